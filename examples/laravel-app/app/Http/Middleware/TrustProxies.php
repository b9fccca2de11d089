<?php

namespace App\Http\Middleware;

use Illuminate\Http\Middleware\TrustProxies as Middleware;
use Illuminate\Http\Request;

// The proxies whose X-Forwarded-* headers the app believes: config('trustedproxy.proxies'), from
// TRUSTED_PROXIES (the load balancer's subnets, comma-separated; empty: none). From them a request
// that came in over HTTPS is https:// (links, redirects, secure cookies) and its client is the
// X-Forwarded-For address. Laravel 8 to 10 (Debian's packages); Laravel 11 and later say the same in
// bootstrap/app.php: ->withMiddleware(fn ($m) => $m->trustProxies(at: ..., headers: ...)).
class TrustProxies extends Middleware
{
    protected $headers =
        Request::HEADER_X_FORWARDED_FOR |
        Request::HEADER_X_FORWARDED_HOST |
        Request::HEADER_X_FORWARDED_PORT |
        Request::HEADER_X_FORWARDED_PROTO |
        Request::HEADER_X_FORWARDED_AWS_ELB;
}
