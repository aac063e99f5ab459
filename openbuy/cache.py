"""Django's Redis cache, less one cost: Django makes a new ``redis.Redis`` object for every cache
call (building its table of reply callbacks each time), which was a fifth of the time of a page
served from the anonymous page cache. Here each connection pool keeps one client. The cache is
per thread (Django's cache handler), and ``redis.Redis`` over a pool is safe to reuse."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
