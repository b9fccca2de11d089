<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\Schema;

// The scheduler's runs (seed:tick): which host, when.
return new class extends Migration
{
    public function up()
    {
        Schema::create('ticks', function (Blueprint $table) {
            $table->id();
            $table->string('host');
            $table->timestamp('ran_at')->index();
        });
    }

    public function down()
    {
        Schema::dropIfExists('ticks');
    }
};
