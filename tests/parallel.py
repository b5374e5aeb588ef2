"""The suite runs in parallel (pytest-xdist, `make test`), and each worker process gets its own
databases. pytest-django gives each its own test database (test_pathways_gw0, …); this gives
each its own Redis databases too, so one worker's `cache.clear()` (a FLUSHDB) never empties
another's throttle counters, and the Celery workers one test starts never take another test's
messages.

Worker gwN uses the Redis databases 2N and 2N + 1 below those configured (15 and 14 in CI
become 13 and 12 for gw1). tests/conftest.py calls `own_redis_databases` as it is loaded,
before anything has used the cache or the broker; the environment is changed too, so the
servers and Celery workers a test starts use the same databases.
"""
import os
import re

REDIS_DATABASES = 16       # Redis' default


def moved(url: str, by: int) -> str:
    """A Redis URL `by` databases lower."""
    found = re.fullmatch(r"(redis://[^/]+)/(\d+)", url or "")
    if not found or by == 0:
        return url
    database = int(found[2]) - by
    if database < 0:
        raise RuntimeError(f"Too many test workers for Redis' {REDIS_DATABASES} databases: "
                           "run fewer (pytest -n).")
    return f"{found[1]}/{database}"


def own_redis_databases(settings) -> None:
    worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    if worker is None:
        return
    by = 2 * int(worker[1])
    for name in ("REDIS_URL", "CACHE_REDIS_URL"):
        if os.environ.get(name):
            os.environ[name] = moved(os.environ[name], by)
    if settings.REDIS_URL:
        from config.celery import app

        settings.REDIS_URL = settings.CELERY_BROKER_URL = moved(settings.REDIS_URL, by)
        app.conf.broker_url = settings.CELERY_BROKER_URL
    if settings.CACHE_REDIS_URL:
        settings.CACHE_REDIS_URL = moved(settings.CACHE_REDIS_URL, by)
        settings.CACHES["default"]["LOCATION"] = settings.CACHE_REDIS_URL
