<?php

use App\Models\Greeting;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Cache;
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

// The session and the cache as every web host sees them: the visits of this session (a cookie) and the
// hits of every session, with the host that answered. With the database (or Redis) stores, both numbers
// keep counting whichever host a request lands on; with files, each host counts its own.
Route::get('/session', function (Request $request) {
    Cache::add('hits', 0);

    return [
        'visits' => $request->session()->increment('visits'),
        'hits' => Cache::increment('hits'),
        'host' => gethostname(),
        'session_driver' => config('session.driver'),
        'cache_store' => config('cache.default'),
    ];
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

// Behind the load balancer: a link and a redirect the app builds from the request. With the proxy
// trusted (TRUSTED_PROXIES) and X-Forwarded-Proto: https, both are https://; from anyone else the
// header is ignored and they are http://.
Route::get('/link', function () {
    return response(url('/greetings'))->header('Content-Type', 'text/plain');
});

Route::get('/go', function () {
    return redirect()->to('/greetings');
});

// The scheduler's runs (seed:tick), newest first, and how many each minute: one per minute for the
// cluster when the scheduler runs on one host, one per web host each minute when it runs on all.
Route::get('/ticks', function () {
    $ticks = DB::table('ticks')->orderByDesc('id')->limit(200)->get(['host', 'ran_at']);

    return [
        'ticks' => $ticks,
        'per_minute' => $ticks->groupBy(fn ($t) => substr((string) $t->ran_at, 0, 16))->map->count(),
        'hosts' => $ticks->pluck('host')->unique()->values(),
    ];
});
