"""The cost of the reactions' two JSON requests through the whole ASGI application
(`config.asgi`, as granian serves it), in-process: no network, no app server, no
client, so that CPU time per request can be compared between versions on a busy
machine. Run it from the checkout to measure (its own `config.asgi`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rf_bench REDIS_URL=redis://127.0.0.1:6379/11 \\
      .venv/bin/python bench/reactions_asgi_cost.py [--rounds 300]

It REMOVES every reaction to the article it uses: a benchmark database only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MANCHETTE_REACTIONS_WRITES_PER_MINUTE"] = "1000000"
os.environ["MANCHETTE_REACTIONS_NEW_PER_ARTICLE_PER_DAY"] = "1000000"


async def call(app, method: str, path: str, *, cookie: str = "", body: bytes = b""):
    headers = [
        (b"host", b"127.0.0.1"),
        (b"accept", b"application/json"),
        (b"origin", b"http://127.0.0.1"),
    ]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if body:
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    sent = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    status = sent[0]["status"]
    cookies = [v.decode() for k, v in sent[0]["headers"] if k.lower() == b"set-cookie"]
    return status, cookies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--readers", type=int, default=20)
    options = parser.parse_args()
    from asgiref.sync import sync_to_async

    from bench.reactions_bench import articles_prepare, kinds_active
    from config.asgi import application

    articles = await sync_to_async(articles_prepare)(1)
    kinds = await sync_to_async(kinds_active)()
    article = articles[0]
    rng = random.Random(1)
    cookies: list[str] = []
    for _ in range(options.readers):  # each reader gets their cookie
        status, set_cookies = await call(
            application,
            "POST",
            f"/reactions/{article}/",
            body=b"kind=" + kinds[0].encode(),
        )
        assert status == 200, status
        jar = SimpleCookie(set_cookies[0])
        cookies.append("; ".join(f"{k}={m.value}" for k, m in jar.items()))
    for label, method in (("GET etat.json", "GET"), ("POST react (change)", "POST")):
        cpu, wall = [], []
        for n in range(options.rounds):
            cookie = cookies[n % len(cookies)]
            c0, w0 = time.process_time(), time.perf_counter()
            if method == "GET":
                status, _ = await call(
                    application,
                    "GET",
                    f"/lecteur/reactions/{article}/etat.json",
                    cookie=cookie,
                )
            else:
                body = f"kind={rng.choice(kinds)}".encode()
                status, _ = await call(
                    application,
                    "POST",
                    f"/reactions/{article}/",
                    cookie=cookie,
                    body=body,
                )
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            assert status == 200, status
        cpu, wall = cpu[20:], wall[20:]  # past the first, slower requests
        print(
            f"{label:22} CPU median {statistics.median(cpu):5.2f} ms  mean {statistics.mean(cpu):5.2f} ms"
            f" | wall median {statistics.median(wall):5.2f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
