pytest_plugins = ["pytester", "tests.redis_server"]
