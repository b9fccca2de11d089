<?php

namespace Database\Seeders;

use App\Models\Greeting;
use Illuminate\Database\Seeder;

/**
 * Safe to rerun: rows are keyed by slug and updated in place, never duplicated.
 */
class GreetingSeeder extends Seeder
{
    public function run()
    {
        $rows = [
            ['slug' => 'hello', 'message' => 'Hello from Laravel on seed.laravel_aws', 'language' => 'en'],
            ['slug' => 'bonjour', 'message' => 'Bonjour depuis Laravel', 'language' => 'fr'],
        ];
        foreach ($rows as $row) {
            Greeting::updateOrCreate(['slug' => $row['slug']], $row);
        }
    }
}
