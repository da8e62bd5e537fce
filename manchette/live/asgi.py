"""Event streams (server-sent events), served as plain ASGI beside Django.

- ``GET /live/<channels>/``: a stream; ``<channels>`` is one channel or several
  joined by commas (``flashes,article:12:blog``), so that a page opens ONE
  connection (browsers allow six per host over HTTP/1.1). Replays what followed
  the ``Last-Event-ID`` header, or the ``after`` query parameter on a first
  connection (a cached page carries the last event id it was built with).
- ``GET /live/<channels>/poll?after=<id>``: the same events as JSON, for clients
  without EventSource.

Every message is ``{"id", "channel", "event", "data"}`` on the default event type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from manchette.core.http import client_ip
from manchette.core.security import public_security_headers
from manchette.live import conf
from manchette.live.hub import Hub, Subscriber, TooManyConnections
from manchette.live.services import channel_is_valid

logger = logging.getLogger("manchette.live")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/live/"
MAX_CHANNELS = 4
RETRY_MILLISECONDS = 2000

_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def default_hub() -> Hub:
    """This process's hub (one per event loop: a server has one, tests several)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        for old_loop in [old for old in _hubs if old.is_closed()]:
            del _hubs[old_loop]
        hub = _hubs[loop] = Hub()
    return hub


async def shutdown() -> None:
    """Lifespan shutdown: close every stream cleanly, stop the followers."""
    loop = asyncio.get_running_loop()
    hub = _hubs.pop(loop, None)
    if hub is not None:
        await hub.close()


def _headers(scope: Scope) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
    }


def _client_ip(scope: Scope, headers: dict[str, str]) -> str:
    """core.http.client_ip, from an ASGI scope (same trusted-proxy rules)."""
    client = scope.get("client") or ("", 0)
    meta = {
        "REMOTE_ADDR": client[0],
        "HTTP_X_FORWARDED_FOR": headers.get("x-forwarded-for", ""),
    }
    return client_ip(SimpleNamespace(META=meta))  # type: ignore[arg-type]


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


async def _respond(
    send: Send, status: int, body: bytes, content_type: str, extra: list | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
                *_security_headers(),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _security_headers() -> list[tuple[bytes, bytes]]:
    return [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in public_security_headers()
    ]


async def _respond_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await _respond(send, status, body, "application/json")


def _parse(path: str) -> tuple[list[str], bool] | None:
    """``/live/a,b/`` or ``/live/a,b/poll`` → (channels, is_poll)."""
    rest = path[len(PREFIX) :]
    poll = rest.endswith("/poll")
    rest = rest.removesuffix("/poll") if poll else rest.removesuffix("/")
    channels = [c for c in rest.split(",") if c]
    if (
        not channels
        or len(channels) > MAX_CHANNELS
        or not all(channel_is_valid(c) for c in channels)
    ):
        return None
    return sorted(set(channels)), poll


def build_live_app(hub_factory: Callable[[], Hub] = default_hub) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        parsed = _parse(scope["path"])
        if parsed is None:
            await _respond(send, 404, b"not found", "text/plain; charset=utf-8")
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, b"", "text/plain", [(b"allow", b"GET, HEAD")])
            return
        channels, poll = parsed
        hub = hub_factory()
        try:
            await hub.start()
        except TimeoutError:
            await _respond(send, 503, b"unavailable", "text/plain; charset=utf-8")
            return
        headers = _headers(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        after = _int_or_none((query.get("after") or [None])[0])
        if poll:
            await _serve_poll(hub, channels, after, send)
            return
        last_event_id = _int_or_none(headers.get("last-event-id"))
        if last_event_id is not None:
            after = max(after or 0, last_event_id)
        await _serve_stream(
            hub, channels, after, _client_ip(scope, headers), receive, send
        )

    return app


async def _serve_poll(hub: Hub, channels: list[str], after: int | None, send: Send):
    hub.note_poll_request()
    if after is None:
        await _respond_json(send, 200, {"events": [], "last_id": hub.last_seen})
        return
    messages, truncated = await hub.replay(channels=channels, after=after)
    last_id = max([hub.last_seen, *(m.id for m in messages)])
    await _respond_json(
        send,
        200,
        {
            "events": [m.envelope for m in messages],
            "last_id": last_id,
            "reset": truncated,
        },
    )


async def _serve_stream(
    hub: Hub,
    channels: list[str],
    after: int | None,
    ip: str,
    receive: Receive,
    send: Send,
) -> None:
    try:
        subscriber = hub.subscribe(channels=channels, ip=ip)
    except TooManyConnections as refusal:
        status = 429 if refusal.per_ip else 503
        await _respond(
            send,
            status,
            b"too many connections",
            "text/plain; charset=utf-8",
            [(b"retry-after", b"30")],
        )
        return
    watcher = asyncio.get_running_loop().create_task(
        _watch_disconnect(receive, subscriber)
    )
    try:
        await _stream(hub, subscriber, channels, after, send)
    except (OSError, TimeoutError):
        pass  # the reader went away or stopped reading
    finally:
        hub.unsubscribe(subscriber)
        watcher.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(
                send({"type": "http.response.body", "body": b"", "more_body": False}),
                1,
            )


async def _watch_disconnect(receive: Receive, subscriber: Subscriber) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            subscriber.close()
            return


async def _stream(
    hub: Hub,
    subscriber: Subscriber,
    channels: list[str],
    after: int | None,
    send: Send,
) -> None:
    write_timeout = conf.write_timeout_seconds()

    async def write(chunk: bytes) -> None:
        async with asyncio.timeout(write_timeout):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-store, no-transform"),
                (b"x-accel-buffering", b"no"),  # nginx: pass each event at once
                *_security_headers(),
            ],
        }
    )
    opening = f"retry: {RETRY_MILLISECONDS}\n: ok\n\n".encode()
    replayed: set[int] = set()
    if after is not None:
        messages, truncated = await hub.replay(channels=channels, after=after)
        if truncated:
            reset: dict[str, Any] = {
                "id": None,
                "channel": None,
                "event": "reset",
                "data": {},
            }
            opening += f"data: {json.dumps(reset)}\n\n".encode()
        opening += b"".join(m.sse for m in messages)
        replayed = {m.id for m in messages}
    await write(opening)
    heartbeat = conf.heartbeat_seconds()
    while True:
        try:
            async with asyncio.timeout(heartbeat):
                await subscriber.wake.wait()
        except TimeoutError:
            if subscriber.closed or hub.closing:
                return
            await write(b": ping\n\n")
            continue
        subscriber.wake.clear()
        if subscriber.closed or subscriber.dropped or hub.closing:
            return
        chunk = b"".join(m.sse for m in subscriber.take() if m.id not in replayed)
        if chunk:
            await write(chunk)


application = build_live_app()
