"""The one ASGI application `make run` serves (granian, see docs/decisions.md).

- `/live/…`: event streams, served by the live app without touching Django's request
  cycle, so that thousands of open pages hold no worker thread;
- the reactions' two JSON requests (the state, a reaction posted by reactions.js), and
  a guest's new comment: the reactions and discussions apps answer them with
  asynchronous clients when the site runs on PostgreSQL and Redis, before Django's
  (synchronous) machinery runs (core.fastpath);
- cached pages for anonymous readers: answered here from the shared page cache, before
  Django's (synchronous) machinery runs;
- everything else: Django, as a WSGI application run in a pool of threads of our own
  (a2wsgi). Django's own ASGI handler runs every synchronous view on one thread per
  process, so one slow request (a cache miss, a write waiting for a lock) made every
  other request of that process wait behind it; a pool lets them overlap their waits
  on the database and the cache (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http.cookie import parse_cookie

from manchette.core import pagecache
from manchette.core.security import public_security_headers

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LIVE_PREFIX = "/live/"


async def _serve_cached(scope: Scope, send: Send) -> bool:
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
    }
    cookies = parse_cookie(headers.get("cookie", ""))
    path = scope["path"]
    method = scope["method"]
    if not pagecache.request_is_cacheable(method=method, path=path, cookies=cookies):
        return False
    key = pagecache.entry_key(
        host=headers.get("host", ""),
        path=path,
        query_string=scope.get("query_string", b"").decode("latin-1"),
    )
    lookup = pagecache.page_lookup(key)
    page = lookup.page
    if page is None or not lookup.fresh:
        return False
    gzip_ok = pagecache.accepts_gzip(headers.get("accept-encoding"))
    unchanged = pagecache.not_modified(
        page,
        if_none_match=headers.get("if-none-match"),
        if_modified_since=headers.get("if-modified-since"),
    )
    body = b"" if unchanged else (page.gzipped if gzip_ok else page.body)
    response_headers = [
        *pagecache.response_headers(page, gzip_ok=gzip_ok, state="HIT"),
        *public_security_headers(),
        ("Content-Length", str(len(body))),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": 304 if unchanged else page.status,
            "headers": [
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in response_headers
            ],
        }
    )
    await send(
        {"type": "http.response.body", "body": b"" if method == "HEAD" else body}
    )
    return True


def _coroutine_receive(receive: Receive) -> Receive:
    """a2wsgi reads a request body from its threads with
    `asyncio.run_coroutine_threadsafe(receive())`, which takes coroutines only;
    granian's `receive()` returns an awaitable of its own (a Rust future)."""

    async def coroutine() -> Message:
        return await receive()

    return coroutine


def _live_app() -> Any:
    return importlib.import_module("manchette.live.asgi")


def _fast_path(app: str) -> Any:
    return importlib.import_module(f"manchette.{app}.fastpath")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await _fast_path("core").pools_open()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            live = _live_app()
            shutdown = getattr(live, "shutdown", None)
            if shutdown is not None:
                await asyncio.wait_for(shutdown(), timeout=5)
            await asyncio.wait_for(_fast_path("core").pools_close(), timeout=5)
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_application() -> ASGIApp:
    django_app = WSGIMiddleware(
        get_wsgi_application(),  # type: ignore[arg-type]
        workers=settings.PAGE_THREADS,
    )

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] == "http":
            if scope["path"].startswith(LIVE_PREFIX):
                await _live_app().application(scope, receive, send)
                return
            if await _fast_path("reactions").handle(scope, receive, send):
                return
            # (what it read of a request it leaves to Django comes with it)
            django_receive = await _fast_path("discussions").handle(
                scope, receive, send
            )
            if django_receive is None:
                return
            receive = django_receive
            if await _serve_cached(scope, send):
                return
        await django_app(scope, _coroutine_receive(receive), send)  # type: ignore[arg-type]

    return application
