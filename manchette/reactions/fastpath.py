"""The two requests every open article page makes, answered before Django's
synchronous machinery (manchette/core/asgi.py hands them here): the state
(`GET /lecteur/reactions/<id>/etat.json`) and a reaction posted by reactions.js
(`POST /reactions/<id>/` asking for JSON), on PostgreSQL with psycopg's
asynchronous pool and on Redis with redis.asyncio (docs/decisions.md).

Nothing is decided here: the request goes through the view's own steps
(`views.reaction_post_steps`), the writes through the services' own statements
(`services.reaction_set_steps`), the cookie through `readers`, the same-origin check
through `core.http`; only the clients differ. Everything else (the form without
JavaScript and its results page, HEAD, a signed-in reader, SQLite, the file cache)
stays with Django."""

from __future__ import annotations

import asyncio
import io
import re
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    JsonResponse,
)
from django.http.cookie import parse_cookie
from django.utils.cache import add_never_cache_headers

from manchette.core.cache import RedisCache, async_cache
from manchette.core.http import (
    cross_origin_refusal,
    rate_limit_hit_async,
    same_origin,
)
from manchette.core.security import public_security_headers
from manchette.reactions.models import ReactionKind
from manchette.reactions.readers import reader_cookie_apply, reader_from_request
from manchette.reactions.selectors import (
    STATE_STATEMENT,
    UNKNOWN,
    article_reactions_open_async,
    reaction_kinds_active_async,
    reaction_state_from_rows,
)
from manchette.reactions.services import (
    RateLimit,
    ReactionWanted,
    reaction_remove_steps,
    reaction_set_steps,
)
from manchette.reactions.views import reaction_post_steps

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Django's <int:…> converter, bounded to what fits a bigint (longer: Django answers).
STATE_PATH = re.compile(r"/lecteur/reactions/([0-9]{1,18})/etat\.json")
REACT_PATH = re.compile(r"/reactions/([0-9]{1,18})/")
# Options of Django's PostgreSQL backend that are not libpq connection parameters.
DJANGO_ONLY_OPTIONS = {
    "pool",
    "isolation_level",
    "server_side_binding",
    "assume_role",
    "cursor_factory",
}


def enabled() -> bool:
    # From the settings: in async code Django's `connections` and `caches` make new
    # objects for each request.
    return (
        settings.REACTIONS_FAST_PATH
        and "postgresql" in settings.DATABASES["default"]["ENGINE"]
        and isinstance(async_cache(), RedisCache)
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


async def _pool() -> Any:
    loop = asyncio.get_running_loop()
    opening = _pools.get(loop)
    if opening is None:
        from psycopg_pool import AsyncConnectionPool

        pool = AsyncConnectionPool(
            kwargs={**_conninfo(), "autocommit": True},
            # All opened at once: a burst must not wait for new connections.
            min_size=settings.REACTIONS_FAST_PATH_CONNECTIONS,
            max_size=settings.REACTIONS_FAST_PATH_CONNECTIONS,
            open=False,
            name="reactions-fast-path",
        )

        async def open_pool() -> Any:
            await pool.open()
            return pool

        opening = loop.create_task(open_pool())
        _pools[loop] = opening
    return await opening


async def pools_open() -> None:
    """At start-up: the connections ready before the first reader asks."""
    if enabled():
        await _pool()


async def pools_close() -> None:
    """At shutdown (and between tests): close this event loop's pool."""
    opening = _pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        await (await opening).close()


class FastBackend:
    """The view's and the services' steps with asynchronous clients; one per
    request (the kinds are read once for it)."""

    def __init__(self) -> None:
        self._kinds: list[ReactionKind] | None = None

    async def kinds_active(self) -> list[ReactionKind]:
        if self._kinds is None:
            self._kinds = await reaction_kinds_active_async()
        return self._kinds

    async def limit_hit(self, limit: RateLimit) -> bool:
        return await rate_limit_hit_async(**limit._asdict())

    async def article_open(self, *, article_id: int) -> bool | None:
        return await article_reactions_open_async(article_id=article_id)

    async def fetchone(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
        pool = await _pool()
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            row = await cursor.fetchone()
        assert row is not None
        return tuple(row)

    async def fetchall(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        pool = await _pool()
        async with pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return [tuple(row) for row in await cursor.fetchall()]

    async def reaction_set(self, wanted: ReactionWanted) -> ReactionKind:
        return await reaction_set_steps(self, wanted)

    async def reaction_remove(self, *, article_id: int, reader_key: str) -> bool:
        return await reaction_remove_steps(
            self, article_id=article_id, reader_key=reader_key
        )

    async def state_json(
        self, *, article_id: int, reader_key: str | None, mine: Any = UNKNOWN
    ) -> JsonResponse:
        rows = await self.fetchall(
            STATE_STATEMENT, {"article": article_id, "reader": reader_key}
        )
        state = reaction_state_from_rows(
            article_id=article_id,
            kinds=await self.kinds_active(),
            rows=rows,
            mine=mine,
        )
        return JsonResponse(state.as_json())


def _header(scope: Scope, name: bytes) -> str:
    """A request header, its repeats joined as Django's ASGIRequest joins them."""
    separator = "; " if name == b"cookie" else ","
    return separator.join(
        value.decode("latin-1") for key, value in scope["headers"] if key == name
    )


def _route(scope: Scope) -> tuple[str, int] | None:
    """("state" | "react", article id) for the requests answered here."""
    if scope["type"] != "http":
        return None
    method, path = scope["method"], scope["path"]
    if method == "GET" and (found := STATE_PATH.fullmatch(path)):
        return "state", int(found[1])
    if (
        method == "POST"
        and (found := REACT_PATH.fullmatch(path))
        and "application/json" in _header(scope, b"accept")
    ):
        return "react", int(found[1])
    return None


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b""
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(
    request: HttpRequest, action: str, article_id: int
) -> HttpResponseBase:
    request.get_host()  # as Django: a host not in ALLOWED_HOSTS gets a 400
    backend = FastBackend()
    if action == "state":
        # A tampered cookie is ignored (and dropped), never an error.
        reader = reader_from_request(request, create=False)
        response = await backend.state_json(
            article_id=article_id, reader_key=reader.key
        )
        return reader_cookie_apply(reader, response)
    if not same_origin(request):
        return cross_origin_refusal()
    posted = await reaction_post_steps(backend, request=request, article_id=article_id)
    if posted.refused is not None:
        response = JsonResponse(
            {"error": posted.refused.message}, status=posted.refused.status
        )
    else:
        response = await backend.state_json(
            article_id=article_id, reader_key=posted.reader.key, mine=posted.mine
        )
    return reader_cookie_apply(posted.reader, response)


async def _send(response: HttpResponseBase, send: Send, *, head: bool = False) -> None:
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


async def handle(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer the request if it is one of the two; False leaves it to Django."""
    route = _route(scope)
    if route is None or not enabled():
        return False
    if settings.SESSION_COOKIE_NAME in parse_cookie(_header(scope, b"cookie")):
        return False  # possibly a signed-in reader: Django's sessions know them
    action, article_id = route
    body = await _body(receive) if action == "react" else b""
    request = ASGIRequest(scope, io.BytesIO(body))
    try:
        response = await _answer(request, action, article_id)
    except (DisallowedHost, RequestDataTooBig):
        response = HttpResponseBadRequest()
    await _send(response, send)
    return True
