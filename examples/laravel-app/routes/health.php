<?php

use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Route;

// Health: the app boots and the database answers. Outside the `web` middleware: the load balancer's
// checks start no session (a row each in the database store) and set no cookie.
Route::get('/up', function () {
    DB::select('select 1');

    return response()->json(['status' => 'ok', 'laravel' => app()->version()]);
});
