"""`asgi_server`: the real ASGI application (`config.asgi`, what `make run` serves,
live streams included) on 127.0.0.1 in a thread, with uvicorn, against the test
database. pytest-django's `live_server` is WSGI only and cannot hold event streams.

Tests that use it must be transactional (`django_db(transaction=True)`): the
server's threads have their own connections and see only committed rows. On SQLite
the test database is in memory with a shared cache, which every thread opens."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    from config.asgi import application

    # Each request's connection closes when it ends (as the test database must be
    # dropped at the end of the session, with no server thread holding it).
    settings_dict = connections["default"].settings_dict
    conn_max_age = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            ASGIStaticFilesHandler(application),
            host="127.0.0.1",
            port=port,
            lifespan="on",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    thread = threading.Thread(target=server.run, name="asgi-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)
    settings_dict["CONN_MAX_AGE"] = conn_max_age
