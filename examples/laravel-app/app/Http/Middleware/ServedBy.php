<?php

namespace App\Http\Middleware;

use Closure;
use Illuminate\Http\Request;

// Names the web host in every answer (X-Served-By), so a request through the load balancer shows
// which host served it.
class ServedBy
{
    public function handle(Request $request, Closure $next)
    {
        $response = $next($request);
        $response->headers->set('X-Served-By', gethostname());

        return $response;
    }
}
