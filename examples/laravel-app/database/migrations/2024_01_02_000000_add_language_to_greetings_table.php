<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up()
    {
        Schema::table('greetings', function (Blueprint $table) {
            $table->string('language', 8)->default('en');
        });
    }

    public function down()
    {
        Schema::table('greetings', function (Blueprint $table) {
            $table->dropColumn('language');
        });
    }
};
