<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    // Run by `artisan schedule:run` every minute, from the cron entry the laravel role puts on one web
    // host: seed:tick records each run, so /ticks shows the scheduler runs once a minute, not once per host.
    protected function schedule(Schedule $schedule)
    {
        $schedule->command('seed:tick')->everyMinute();
    }

    protected function commands()
    {
        $this->load(__DIR__.'/Commands');
    }
}
