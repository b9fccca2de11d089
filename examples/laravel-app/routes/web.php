<?php

use App\Models\Greeting;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Log;
use Illuminate\Support\Facades\Route;

// The greeting the seeder wrote, read from PostgreSQL; counts visits in the session.
Route::get('/', function (Request $request) {
    $visits = $request->session()->increment('visits');
    $greeting = Greeting::where('slug', 'hello')->first();
    Log::info('greeting served', ['visits' => $visits]);

    return response($greeting ? $greeting->message : 'No greeting yet: run the seeder', $greeting ? 200 : 503)
        ->header('Content-Type', 'text/plain');
});

// All seeded rows as JSON.
Route::get('/greetings', function () {
    return Greeting::orderBy('slug')->get(['slug', 'message', 'language']);
});

// Rendered through a Blade view; a pretty URL, so it is reached only through the .htaccess rewrite.
Route::get('/about', function () {
    return view('about', [
        'app' => config('app.name'),
        'laravel' => app()->version(),
        'count' => Greeting::count(),
    ]);
});

// Health: the app boots and the database answers.
Route::get('/up', function () {
    DB::select('select 1');

    return response()->json(['status' => 'ok', 'laravel' => app()->version()]);
});
