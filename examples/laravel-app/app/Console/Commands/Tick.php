<?php

namespace App\Console\Commands;

use Illuminate\Console\Command;
use Illuminate\Support\Facades\DB;

// One row per run of the scheduler's job: the host that ran it and when. The rows are in the
// database every web host shares, so /ticks counts the runs of the whole cluster.
class Tick extends Command
{
    protected $signature = 'seed:tick';

    protected $description = 'Record that the scheduler ran, on which host and when';

    public function handle()
    {
        DB::table('ticks')->insert(['host' => gethostname(), 'ran_at' => now()]);
        $this->line('tick from '.gethostname());

        return 0;
    }
}
