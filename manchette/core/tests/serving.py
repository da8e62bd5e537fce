"""For tests of what the ASGI application answers itself (core.fastpath): requests
sent to it as granian would, from a reader at an address of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.core.cache import caches
from django.db import connection

from manchette.core import fastpath
from manchette.core.cache import RedisCache

ORIGIN = "http://testserver"


def fast_path_only(why_elsewhere: str) -> Any:
    """The mark of tests of a fast path: it serves PostgreSQL + Redis sites only."""
    return pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not isinstance(caches["default"], RedisCache),
        reason=f"the fast path serves PostgreSQL + Redis sites only ({why_elsewhere})",
    )


def run_as_server(steps: Coroutine[Any, Any, Any]) -> Any:
    """As a server would: an event loop of its own, in a thread of its own, and the
    pool it opened closed at the end (the test database must be dropped later)."""

    async def main() -> Any:
        try:
            return await steps
        finally:
            await fastpath.pools_close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, main()).result()


def asgi_reader(
    app: Any, address: str = "5.5.5.5", **headers: str
) -> httpx.AsyncClient:
    """A reader on one of the site's pages (their requests say where they come from)."""
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(
        transport=transport, base_url=ORIGIN, headers={"Origin": ORIGIN, **headers}
    )
