<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>About {{ $app }}</title>
</head>
<body>
    <h1>About {{ $app }}</h1>
    <p>Served by Laravel {{ $laravel }} through Apache's rewrite to public/index.php.</p>
    <p>{{ $count }} greetings in the database.</p>
</body>
</html>
