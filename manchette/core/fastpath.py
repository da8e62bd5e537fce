"""What the ASGI fast paths share (reactions.fastpath, discussions.fastpath): requests
answered before Django's synchronous machinery (manchette/core/asgi.py), on PostgreSQL
with psycopg's asynchronous pool and on Redis with redis.asyncio, when the site runs
on both (docs/decisions.md). Each app decides what it answers; the connections, the
reading of the request and the writing of the response are here."""

from __future__ import annotations

import asyncio
import datetime
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpResponseBase
from django.http.cookie import parse_cookie
from django.utils.cache import add_never_cache_headers

from manchette.core.cache import RedisCache, async_cache
from manchette.core.security import public_security_headers

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Options of Django's PostgreSQL backend that are not libpq connection parameters.
DJANGO_ONLY_OPTIONS = {
    "pool",
    "isolation_level",
    "server_side_binding",
    "assume_role",
    "cursor_factory",
}


def postgres_and_redis() -> bool:
    # From the settings: in async code Django's `connections` and `caches` make new
    # objects for each request.
    return "postgresql" in settings.DATABASES["default"]["ENGINE"] and isinstance(
        async_cache(), RedisCache
    )


def _conninfo() -> dict[str, Any]:
    db = connections["default"].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        **{
            k: v
            for k, v in db.get("OPTIONS", {}).items()
            if k not in DJANGO_ONLY_OPTIONS
        },
    }
    return {k: v for k, v in params.items() if v not in (None, "")}


# psycopg's asynchronous pool belongs to the event loop that opened it.
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any]] = (
    weakref.WeakKeyDictionary()
)


async def pool() -> Any:
    """This event loop's pool of autocommit connections (each statement of a fast
    path is its own transaction)."""
    loop = asyncio.get_running_loop()
    opening = _pools.get(loop)
    if opening is None:
        from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
            get_adapters_template,
        )
        from psycopg_pool import AsyncConnectionPool

        # Values read as Django's own connections read them (JSON and addresses as
        # text for the fields' converters, dates in UTC).
        adapters = get_adapters_template(settings.USE_TZ, datetime.UTC)
        new_pool = AsyncConnectionPool(
            kwargs={**_conninfo(), "autocommit": True, "context": adapters},
            # All opened at once: a burst must not wait for new connections.
            min_size=settings.FAST_PATH_CONNECTIONS,
            max_size=settings.FAST_PATH_CONNECTIONS,
            open=False,
            name="fast-path",
        )

        async def open_pool() -> Any:
            await new_pool.open()
            return new_pool

        opening = loop.create_task(open_pool())
        _pools[loop] = opening
    return await opening


async def pools_open() -> None:
    """At start-up: the connections ready before the first reader asks."""
    if postgres_and_redis():
        await pool()


async def pools_close() -> None:
    """At shutdown (and between tests): close this event loop's pool."""
    opening = _pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        await (await opening).close()


async def fetchall(sql: str, params: Any) -> list[tuple[Any, ...]]:
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(sql, params)
        return [tuple(row) for row in await cursor.fetchall()]


async def fetchall_together(
    statements: list[tuple[str, Any]],
) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, all sent at once (psycopg's pipeline mode: one
    round trip for them all)."""
    async with (await pool()).connection() as conn:
        async with conn.pipeline():
            cursors = [await conn.execute(sql, params) for sql, params in statements]
        return [[tuple(row) for row in await c.fetchall()] for c in cursors]


async def fetchone(sql: str, params: Any) -> tuple[Any, ...] | None:
    rows = await fetchall(sql, params)
    return rows[0] if rows else None


def header(scope: Scope, name: bytes) -> str:
    """A request header, its repeats joined as Django's ASGIRequest joins them."""
    separator = "; " if name == b"cookie" else ","
    return separator.join(
        value.decode("latin-1") for key, value in scope["headers"] if key == name
    )


def has_session(scope: Scope) -> bool:
    """Possibly a signed-in reader: Django's sessions know them, not the fast paths."""
    return settings.SESSION_COOKIE_NAME in parse_cookie(header(scope, b"cookie"))


def body_is_small(scope: Scope) -> bool:
    """Whether the request says how long its body is, within what Django reads into
    memory (DATA_UPLOAD_MAX_MEMORY_SIZE): a fast path reads only such bodies whole,
    and leaves the others (a chunked body, a large one) to Django, which refuses or
    spools them."""
    try:
        length = int(header(scope, b"content-length"))
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return length >= 0 and (limit is None or length <= limit)


async def body_read(receive: Receive) -> bytes | None:
    """The whole request body; None when the client went away."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def body_replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives Django the body a fast path already read (then what
    the server sends next, a disconnection)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def response_send(response: HttpResponseBase, send: Send) -> None:
    """Send a Django response as Django's middleware would have finished it: never
    cached, with the site's security headers."""
    add_never_cache_headers(response)
    for name, value in public_security_headers():
        response.headers.setdefault(name, value)
    body = response.content  # type: ignore[attr-defined]
    response.headers["Content-Length"] = str(len(body))
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.items()
    ]
    headers += [
        (b"set-cookie", cookie.output(header="").strip().encode("latin-1"))
        for cookie in response.cookies.values()
    ]
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": headers,
        }
    )
    await send({"type": "http.response.body", "body": body})
