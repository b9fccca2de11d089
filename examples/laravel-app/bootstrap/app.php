<?php

/*
 * The framework comes from vendor/ when the app requires laravel/framework
 * (a real app, from Packagist), or from Debian's php-laravel-framework
 * package in /usr/share/php (this sample app, offline).
 */
if (! class_exists(Illuminate\Foundation\Application::class)) {
    require_once '/usr/share/php/Illuminate/autoload.php';
}

$app = new Illuminate\Foundation\Application(
    $_ENV['APP_BASE_PATH'] ?? dirname(__DIR__)
);

$app->singleton(Illuminate\Contracts\Http\Kernel::class, App\Http\Kernel::class);
$app->singleton(Illuminate\Contracts\Console\Kernel::class, App\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, App\Exceptions\Handler::class);

return $app;
