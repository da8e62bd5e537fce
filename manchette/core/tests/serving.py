"""For tests of what the ASGI application answers itself (core.fastpath): requests
sent to it as granian would, from a reader at an address of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from manchette.core import fastpath

ORIGIN = "http://testserver"


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
