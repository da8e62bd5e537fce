"""The ASGI application answers cached pages itself, before Django runs."""

from __future__ import annotations

import asyncio
import json
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
    return _request(app, "GET", path, headers)


def _request(app, method, path, headers=(), body=b""):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
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
    requests = [{"type": "http.request", "body": body, "more_body": False}]

    def receive():
        """As granian's: an awaitable that is not a coroutine."""
        future = asyncio.get_running_loop().create_future()
        if requests:
            future.set_result(requests.pop())
        return future  # without a request left, the client stays connected

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


def test_a_form_posted_through_the_server_reaches_django_with_its_body(site_tree):
    from manchette.newsletter.models import SignupRequest
    from manchette.newsletter.tests.factories import default_list

    form = f"email=lea%40exemple.fr&lists={default_list().pk}".encode()
    app = build_application()
    status, _headers, body = _request(
        app,
        "POST",
        "/lettre/inscription/",
        headers=[
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(form)).encode()),
            (b"accept", b"application/json"),
            (b"origin", b"http://testserver"),
        ],
        body=form,
    )
    assert status == 200, body
    assert json.loads(body)["ok"] is True
    assert SignupRequest.objects.filter(email="lea@exemple.fr").exists()
