"""A Redis cache that degrades instead of failing (issue 17).

The cache holds nothing that must survive: throttle counters, the health checks' counters and
the oversight dashboard's kept figures (aggregates and the stuck list's opaque keys, refigured
when anything is recorded; oversight/dashboard.py). When Redis is away, a read is a miss and a
write is dropped, with a warning in the log, so pages and the API keep working; throttles fail
open until it is back (sign-in lockouts and seen logout tokens are kept in the database and
still hold). The instance stays ready: /health/ready asks only what serving needs.
"""

import structlog
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger("pathways.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


def _forgiving(name, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ForgivingRedisCache, self), name)(*args, **kwargs)
        except UNAVAILABLE as error:
            log.warning("cache_unavailable", operation=name, error=type(error).__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = name
    return method


def _default(key, default=None, *args, **kwargs):
    return default


class ForgivingRedisCache(RedisCache):
    get = _forgiving("get", _default)
    set = _forgiving("set", None)
    add = _forgiving("add", False)
    delete = _forgiving("delete", False)
    touch = _forgiving("touch", False)
    get_many = _forgiving("get_many", {})
    set_many = _forgiving("set_many", [])
    delete_many = _forgiving("delete_many", None)
    has_key = _forgiving("has_key", False)
    clear = _forgiving("clear", False)
    get_or_set = _forgiving("get_or_set", _default)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            log.warning("cache_unavailable", operation="incr", error=type(error).__name__)
            return delta


