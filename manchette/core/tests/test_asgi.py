"""The ASGI application answers cached pages itself, before Django runs."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from manchette.core.asgi import build_application
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def _run_in_own_thread(coroutine):
    """As a server would: in a thread of its own, whatever loop this thread has
    (Playwright's sync API leaves one running in the test thread)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def _get(app, path, headers=()):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        sent.append(message)

    _run_in_own_thread(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


def test_a_cached_page_is_answered_without_django_with_the_same_security_headers(
    site_tree,
):
    make_article(site_tree.sections["france"], title="Servi par le chemin rapide")
    app = build_application()
    status, headers, body = _get(app, "/")
    assert status == 200
    assert headers.get(b"x-cache") == b"MISS", headers
    status, headers, body = _get(app, "/")
    assert headers[b"x-cache"] == b"HIT"
    assert "Servi par le chemin rapide" in body.decode()
    assert b"script-src 'self'" in headers[b"content-security-policy"]
    assert headers[b"x-content-type-options"] == b"nosniff"


def test_the_lifespan_protocol_starts_and_stops(site_tree):
    app = build_application()
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message["type"])

    _run_in_own_thread(app({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
