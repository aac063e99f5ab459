"""openbuy's Redis cache backend: Django's, reusing one client per connection pool."""

from __future__ import annotations

import os
import threading

import pytest
import redis

from openbuy.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/11"  # a database of its own, emptied here


@pytest.fixture
def backend():
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as error:
        message = f"These tests need Redis at {REDIS_URL}: {error}"
        if os.environ.get("OPENBUY_REQUIRE_REDIS") == "1":
            pytest.fail(message + " (OPENBUY_REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip(message)
    cache = RedisCache(REDIS_URL, {})
    yield cache
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_it_behaves_as_djangos_redis_cache(backend):
    assert backend.add("a", 1) and not backend.add("a", 2)
    backend.set("page", (1, 200, [("Content-Type", "text/html")], b"<p>x</p>", 1.5), 30)
    assert backend.get_many(["a", "page", "missing"]) == {
        "a": 1,
        "page": (1, 200, [("Content-Type", "text/html")], b"<p>x</p>", 1.5),
    }
    assert backend.incr("a") == 2
    backend.delete("a")
    assert backend.get("a") is None
    with pytest.raises(ValueError):
        backend.incr("a")


def test_one_client_is_made_per_pool_and_reused(backend):
    client = backend._cache.get_client()
    assert backend._cache.get_client() is client
    assert backend._cache.get_client(write=True) is client  # one server: one pool


def test_threads_share_the_client_safely(backend):
    backend.set("count", 0, None)

    def add():
        for _ in range(200):
            backend.incr("count")

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.get("count") == 800
