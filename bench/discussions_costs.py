"""What the discussion's hot paths cost whatever the machine's load: Python function
calls, SQL statements and Redis commands per request, in process, on PostgreSQL, with
the page cache off (medians of wall time depend on what else runs on the two cores;
these counts do not).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/discussions_h \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/discussions_costs.py

To compare with an earlier commit, check it out elsewhere, copy bench/discussions_*.py
into it and run this file there with `--root` set to that checkout. Uses (and if needed
builds) the same benchmark site as discussions_bench.py.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, args.root + "/bench")
    sys.path.insert(0, args.root)
    from discussions_bench import setup

    site = setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    import manchette
    from manchette.discussions.forms import form_started_token

    assert manchette.__file__.startswith(args.root), manchette.__file__
    try:
        from manchette.discussions import fragments
    except ImportError:  # before the discussion's cache
        fragments = None

    commands = [0]
    execute = redis.client.Redis.execute_command

    def counted(self, *command, **options):
        commands[0] += 1
        return execute(self, *command, **options)

    redis.client.Redis.execute_command = counted  # type: ignore[method-assign]
    client = Client(HTTP_HOST="127.0.0.1:8765")
    token = form_started_token()
    time.sleep(3.2)  # the form's minimum time
    sent = [0]

    def post() -> None:
        sent[0] += 1
        n = sent[0]
        response = client.post(
            f"/commentaires/{random.choice(site['targets'])}/poster/",
            {
                "nom": "Compteur",
                "courriel": f"costs-{n}-{time.time()}@bench.example",
                "consentement": "on",
                "texte": f"Commentaire {n} compté à {time.time()}.",
                "debut": token,
                "cle": f"costs-{n}-{time.time()}",
            },
            HTTP_X_FORWARDED_FOR=f"10.98.{n // 250 % 250}.{n % 250 + 1}",
        )
        assert response.status_code == 302, response.status_code

    def get(url: str):
        def run() -> None:
            assert client.get(url).status_code == 200, url

        return run

    def changed(article):
        if fragments is None:
            return None
        return lambda: fragments._version_set(article.pk)

    def measure(label: str, run, before=None) -> None:
        for _ in range(3):
            if before:
                before()
            run()
        calls = sql = rds = 0
        for _ in range(args.repeat):
            if before:
                before()
            commands[0] = 0
            profile = cProfile.Profile()
            with CaptureQueriesContext(connection) as queries:
                profile.enable()
                run()
                profile.disable()
            calls += pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            sql += len(queries.captured_queries)
            rds += commands[0]
        n = args.repeat
        print(f"| {label} | {calls / n / 1000:.1f} k | {sql / n:.0f} | {rds / n:.0f} |")

    def measure_fast(label: str, run) -> None:
        """The same counts for requests answered by the ASGI application in this
        process (the fast path's statements and commands go through psycopg's and
        redis-py's asynchronous clients)."""
        import asyncio

        import psycopg
        import redis.asyncio.client as async_redis

        counts = {"sql": 0, "redis": 0}
        execute_sql = psycopg.AsyncCursor.execute
        execute_redis = async_redis.Redis.execute_command
        execute_pipeline = async_redis.Pipeline.execute

        async def sql_counted(self, *args, **kwargs):
            counts["sql"] += 1
            return await execute_sql(self, *args, **kwargs)

        async def redis_counted(self, *args, **kwargs):
            counts["redis"] += 1
            return await execute_redis(self, *args, **kwargs)

        async def pipeline_counted(self, *args, **kwargs):
            counts["redis"] += len(self.command_stack)
            return await execute_pipeline(self, *args, **kwargs)

        psycopg.AsyncCursor.execute = sql_counted  # type: ignore[method-assign]
        async_redis.Redis.execute_command = redis_counted  # type: ignore[method-assign]
        async_redis.Pipeline.execute = pipeline_counted  # type: ignore[method-assign]

        async def steps() -> tuple[int, int, int]:
            from manchette.core.fastpath import pools_close

            try:
                for _ in range(3):
                    await run()
                calls = 0
                counts.update(sql=0, redis=0)
                for _ in range(args.repeat):
                    profile = cProfile.Profile()
                    profile.enable()
                    await run()
                    profile.disable()
                    calls += pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
                return calls, counts["sql"], counts["redis"]
            finally:
                await pools_close()

        calls, sql, rds = asyncio.run(steps())
        n = args.repeat
        print(f"| {label} | {calls / n / 1000:.1f} k | {sql / n:.0f} | {rds / n:.0f} |")

    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(
        PAGE_CACHE_ENABLED=False, ALLOWED_HOSTS=["*"], STORAGES=storages
    ):
        big, full = site["big"], site["full"]
        api = f"/api/discussions/articles/{full.pk}/comments"
        print("| request | Python calls | SQL statements | Redis commands |")
        print("| --- | --- | --- | --- |")
        measure("article page, 0 comments", get(site["empty"].url))
        measure("article page, 10,000 comments, unchanged", get(big.url))
        measure(
            "article page, 10,000 comments, after a change", get(big.url), changed(big)
        )
        measure("API, 20 threads of 5 comments, unchanged", get(api))
        measure(
            "API, 20 threads of 5 comments, after a change", get(api), changed(full)
        )
        measure("POST of a comment (reader form)", post)
        fast_post = fast_path_poster(site, token)
        if fast_post is not None:
            measure_fast("POST of a comment (fast path, ASGI)", fast_post)


def fast_path_poster(site: dict, token: str):
    """A guest posting through the whole ASGI application as granian runs it, or None
    where the fast path is not there (before it, or off PostgreSQL + Redis)."""
    import random
    import time
    from urllib.parse import urlencode

    try:
        from manchette.discussions import fastpath
    except ImportError:
        return None
    if not fastpath.enabled():
        return None
    from manchette.core.asgi import build_application

    app = build_application()
    sent = [0]
    cookie: list[bytes] = []

    async def post() -> None:
        sent[0] += 1
        n = sent[0]
        body = urlencode(
            {
                "nom": "Compteur",
                "courriel": f"costs-fast-{n}-{time.time()}@bench.example",
                "consentement": "on",
                "texte": f"Commentaire rapide {n} compté à {time.time()}.",
                "debut": token,
                "cle": f"costs-fast-{n}-{time.time()}",
            }
        ).encode()
        headers = [
            (b"host", b"127.0.0.1:8765"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
            (b"x-forwarded-for", f"10.97.{n // 250 % 250}.{n % 250 + 1}".encode()),
            *((b"cookie", c) for c in cookie),
        ]
        scope = {
            "type": "http",
            "method": "POST",
            "path": f"/commentaires/{random.choice(site['targets'])}/poster/",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8765),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
        answer: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            answer.append(message)

        await app(scope, receive, send)
        assert answer[0]["status"] == 302, answer[0]
        for name, value in answer[0]["headers"]:
            if name == b"set-cookie":
                cookie[:] = [value.split(b";")[0]]

    return post


if __name__ == "__main__":
    main()
