<?php

// TRUSTED_PROXIES: addresses or CIDRs, comma-separated (the laravel role writes the stack's public
// subnets, where the load balancer is). Empty or unset: no proxy is trusted. Read here, not in the
// middleware, so that it survives `php artisan config:cache`.
return [
    'proxies' => env('TRUSTED_PROXIES') ?: null,
];
