<?php

// The session guard Laravel's database session driver asks for the user id of a session (none here:
// the sample app has no login). An app with users points the provider at its own model.
return [
    'defaults' => ['guard' => 'web', 'passwords' => 'users'],
    'guards' => [
        'web' => ['driver' => 'session', 'provider' => 'users'],
    ],
    'providers' => [
        'users' => ['driver' => 'eloquent', 'model' => Illuminate\Foundation\Auth\User::class],
    ],
];
