"""The AWS emulator of seed.laravel_aws's tests and demo: moto behind a layer of our own, and
EC2's data plane on Docker. A test fixture of the repository; never shipped in the collection."""
