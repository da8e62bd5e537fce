"""The shared cache: Redis, or files for the embedded default."""

from __future__ import annotations

import asyncio
import functools
import random
import weakref
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
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


class _SharedPoolsClient(RedisCacheClient):
    """Django's Redis client, with the process's connection pools and clients shared
    by every instance of the cache.

    Django's cache handler keeps one cache instance per context, and the page server
    runs each request in a context of its own (a2wsgi copies the event loop's): each
    request made a new pool, so its first cache read opened a connection to Redis
    and shook hands again, a fifth of a comment post's time. Pools are thread-safe
    and start afresh in a forked process. Django also builds a new redis.Redis for
    every operation, filling ~170 response callbacks each time: one client per pool
    serves."""

    def _get_connection_pool(self, write: bool) -> Any:
        django_client: Any = self  # Django's internals, untyped in the stubs
        server = django_client._servers[django_client._get_connection_pool_index(write)]
        key = (server, django_client._pool_class, repr(django_client._pool_options))
        pool = _pools.get(key)
        if pool is None:
            pool = _pools.setdefault(
                key,
                django_client._pool_class.from_url(
                    server, **django_client._pool_options
                ),
            )
        return pool

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self
        pool = self._get_connection_pool(write)
        client = _clients.get(pool)
        if client is None:
            client = _clients.setdefault(
                pool, django_client._client(connection_pool=pool)
            )
        return client


_pools: dict[tuple[str, type, str], Any] = {}
_clients: dict[Any, Any] = {}


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with the process's pools and clients shared, and truly
    asynchronous `aget`, `aadd` and `aincr` (Django's run the synchronous ones in a
    thread) for the ASGI fast paths: same keys, same serialisation, so that both
    sides share the same entries."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedPoolsClient
        self._hits_script: Any = None

    # Each limit's count goes up by one, and a new count gets its window; the first
    # count over its limit stops the counting (later ones are not counted), as
    # checking them one by one would. ARGV[1]: how many of KEYS are limits; the
    # other KEYS are entries read in the same round trip.
    _HITS_SCRIPT = """
local limits = tonumber(ARGV[1])
local found = {0}
for i = 1, limits do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i + 1]) end
    if count > tonumber(ARGV[2 * i]) then
        found[1] = i
        break
    end
end
for i = limits + 1, #KEYS do
    found[#found + 1] = redis.call('GET', KEYS[i])
end
return found
"""

    def _hits_keys_and_args(
        self, limits: list[tuple[str, int, int]], entries: list[tuple[Any, Any]]
    ) -> tuple[list[str], list[int]]:
        keys = [self.make_and_validate_key(key) for key, _, _ in limits]
        keys += [self.make_and_validate_key(key, version=v) for key, v in entries]
        args = [n for _, limit, window in limits for n in (limit, window)]
        return keys, [len(limits), *args]

    def hits_over_limit(self, limits: list[tuple[str, int, int]]) -> int:
        """Count one hit on each (key, limit, window in seconds), in one round trip;
        returns the 1-based position of the first limit exceeded, 0 when none is.
        The counts are the plain integers `incr` and `get` use."""
        django_cache: Any = self  # Django's internals, untyped in the stubs
        client = django_cache._cache.get_client(write=True)
        if self._hits_script is None:
            self._hits_script = client.register_script(self._HITS_SCRIPT)
        keys, args = self._hits_keys_and_args(limits, [])
        return int(self._hits_script(keys=keys, args=args, client=client)[0])

    async def ahits_over_limit_and_get(
        self, limits: list[tuple[str, int, int]], entries: list[tuple[Any, Any]]
    ) -> tuple[int, list[Any]]:
        """`hits_over_limit` for the ASGI fast paths (the same script and counts),
        and the values of the (key, version) `entries`, None where there is none,
        read in the same round trip."""
        client = self._async_client()
        script = _async_scripts.get(client)
        if script is None:
            script = _async_scripts[client] = client.register_script(self._HITS_SCRIPT)
        keys, args = self._hits_keys_and_args(limits, entries)
        over, *stored = await script(keys=keys, args=args)
        loads = self._serializer().loads
        return int(over), [None if s is None else loads(s) for s in stored]

    async def aset_many_forever(
        self, mapping: dict[str, Any], *, publish: tuple[str, str] | None = None
    ) -> None:
        """`set_many(mapping, timeout=None)` in one round trip (one MSET), with,
        when given, a (channel, message) published in the same round trip."""
        serializer = self._serializer()
        pipeline = self._async_client().pipeline(transaction=False)
        pipeline.mset(
            {
                self.make_and_validate_key(key): serializer.dumps(value)
                for key, value in mapping.items()
            }
        )
        if publish is not None:
            pipeline.publish(*publish)
        await pipeline.execute()

    def server(self) -> str:
        django_cache: Any = self  # Django's internals, untyped in the stubs
        return str(django_cache._servers[0])

    def _async_client(self) -> Any:
        return async_redis(self.server())

    def _serializer(self) -> Any:
        django_cache: Any = self
        return django_cache._cache._serializer

    async def aget(self, key: Any, default: Any = None, version: Any = None) -> Any:
        stored = await self._async_client().get(
            self.make_and_validate_key(key, version=version)
        )
        return default if stored is None else self._serializer().loads(stored)

    async def aadd(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: Any = None,
    ) -> bool:
        cache_key = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        client = self._async_client()
        stored = self._serializer().dumps(value)
        if seconds == 0:  # as Django's `add`: absent, but expired at once
            added = bool(await client.set(cache_key, stored, nx=True))
            if added:
                await client.delete(cache_key)
            return added
        return bool(await client.set(cache_key, stored, ex=seconds, nx=True))

    async def ahit(self, key: Any, *, window_seconds: int) -> int:
        """Count one hit on a counter that starts with the first hit and lasts
        `window_seconds`; the count so far. One round trip (a rate limit's `add`
        then `incr`, which take three)."""
        cache_key = self.make_and_validate_key(key)
        pipeline = self._async_client().pipeline(transaction=True)
        pipeline.set(cache_key, 0, ex=window_seconds, nx=True)
        pipeline.incr(cache_key)
        _created, count = await pipeline.execute()
        return int(count)

    async def aincr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        cache_key = self.make_and_validate_key(key, version=version)
        client = self._async_client()
        if not await client.exists(cache_key):
            raise ValueError(f"Key '{key}' not found.")
        return int(await client.incr(cache_key, delta))


# redis.asyncio clients (and their connections) belong to the event loop that made
# them: one per loop and server, shared by every instance of the cache.
_async_clients: weakref.WeakKeyDictionary[Any, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)
_async_scripts: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def async_redis(url: str, **options: Any) -> Any:
    """This event loop's redis.asyncio client for `url` (made with `options` the
    first time), shared by whoever asks in this process."""
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(url)
    if client is None:
        import redis.asyncio

        client = clients[url] = redis.asyncio.Redis.from_url(url, **options)
    return client


@functools.cache
def async_cache() -> BaseCache:
    """The default cache for asynchronous code, one instance per process. In async
    code Django's `cache` makes a new instance for each task (its handler keeps one
    per context), which in a fast path means one per request."""
    return caches.create_connection(DEFAULT_CACHE_ALIAS)
