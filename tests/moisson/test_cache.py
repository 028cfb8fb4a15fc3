"""The Redis cache builds one Redis client per connection pool, not one per operation (issue 14): building
one cost a fifth of a millisecond of CPU on every cache read of every request."""

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from moisson.cache import RedisCache

needs_redis = pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"),
    reason="needs CACHE_URL set to a Redis server (see .ci/run)",
)


def test_every_operation_uses_the_same_redis_client():
    # Building a client connects to nothing: no server needed.
    cache = RedisCache("redis://127.0.0.1:6379/0", {})

    read = cache._cache.get_client("a")

    assert cache._cache.get_client("b") is read
    assert cache._cache.get_client("c", write=True) is read


@needs_redis
def test_threads_share_the_client_and_each_reads_its_own_values():
    cache = RedisCache(os.environ["CACHE_URL"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})

    def write_then_read(thread: int) -> list[object]:
        found = []
        for n in range(30):
            cache.set(f"{thread}:{n}", {"thread": thread, "n": n}, 30)
            found.append(cache.get(f"{thread}:{n}"))
        cache.delete_many([f"{thread}:{n}" for n in range(30)])
        return found

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(write_then_read, range(8)))
    finally:
        cache._cache._get_connection_pool(write=True).disconnect()  # no socket left for the garbage collector

    assert results == [[{"thread": t, "n": n} for n in range(30)] for t in range(8)]
    assert len(cache._cache._clients) == 1
