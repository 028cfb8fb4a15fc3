"""Django's Redis cache, with one Redis client per connection pool instead of one per operation (issue 14).

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` around the shared connection pool for
every cache operation, and building one fills a table of about 170 response callbacks: a fifth of a
millisecond of CPU each time, and every signed-in request reads the cache two to four times (session,
permissions, throttles, site figures). A `redis.Redis` holds no connection of its own over a pool (each
command borrows one from the pool and gives it back), so one client per pool is safe to share between
threads, as the pool is. (Django gives each thread its own cache object anyway; the lock below only
matters to code that shares one.)
"""

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._pools_lock = threading.Lock()

    def _get_connection_pool(self, write: bool) -> Any:  # redis.ConnectionPool
        # Django creates a pool the first time it is asked for one: two threads asking at once would each
        # create one, and each get a client of its own.
        with self._pools_lock:
            return super()._get_connection_pool(write)

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:  # redis.Redis
        pool = self._get_connection_pool(write)
        # A pool lives as long as the process, so its id names it.
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
