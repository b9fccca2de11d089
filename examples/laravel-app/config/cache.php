<?php

return [
    // CACHE_STORE is Laravel 11's name, CACHE_DRIVER the one before; the role writes both.
    'default' => env('CACHE_STORE', env('CACHE_DRIVER', 'file')),
    'stores' => [
        'file' => ['driver' => 'file', 'path' => storage_path('framework/cache/data')],
        'database' => ['driver' => 'database', 'table' => 'cache', 'connection' => null, 'lock_connection' => null],
        'redis' => ['driver' => 'redis', 'connection' => 'cache', 'lock_connection' => 'default'],
        'array' => ['driver' => 'array', 'serialize' => false],
    ],
    'prefix' => 'seed_demo_cache',
];
