"""Event streams (server-sent events). Placeholder until the live channel lands
(issue: flashes & live): answers 404 so that pages degrade to their no-JS behaviour."""

from __future__ import annotations

from typing import Any


async def application(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"not found"})


async def shutdown() -> None:
    return None
