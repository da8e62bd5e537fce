"""The shared cache: Redis, or files for the embedded default."""

from __future__ import annotations

import random
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class FileCache(FileBasedCache):
    """Django's file cache, culling now and then instead of on every write.

    Django lists the whole cache directory on each `set` to decide whether to cull;
    with thousands of entries that listing costs more than the write itself. Checking
    on one write in CULL_EVERY (at random, so that several processes share the work)
    keeps the directory near MAX_ENTRIES at a small fraction of the cost."""

    cull_every = 100

    def _cull(self) -> None:
        if random.random() * self.cull_every < 1:  # noqa: S311 - not security related
            super()._cull()  # type: ignore[misc]


class _OneClientPerPool(RedisCacheClient):
    """Django builds a new redis.Redis for every cache operation, and redis-py fills
    ~170 response callbacks in each: about half the CPU of a cache read. A client
    is thread-safe (its pool hands out the connections), so one per pool serves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # Django's internals, untyped in the stubs
        pool = django_client._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = django_client._client(connection_pool=pool)
            self._clients[id(pool)] = client
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with one client per connection pool."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool
