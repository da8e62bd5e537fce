"""Reactions under load: N concurrent readers for S seconds against a real server on
PostgreSQL, then the counters checked against what the server accepted.

Each reader is a separate client (its own cookie, and its own loopback address
127.0.0.x, so that the per-address limits see separate readers) that, in a loop, reads
the state of an article (GET etat.json) or gives, changes or withdraws a reaction
(POST, as reactions.js does), half the time on one "hot" article. Every answer to a
POST carries the reader's reaction as the server recorded it; at the end, the
counters in the database must equal, kind by kind, the reactions the readers hold
according to those answers, exactly.

The readers start together once the client is up, each after a random part of its pause
(`--think-ms`), and speak HTTP/1.1 over asyncio streams in one process (`--processes`):
the client runs on the same cores as the server and must cost little beside it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reactions_h \\
    REDIS_URL=redis://127.0.0.1:6379/6 \\
    .venv/bin/python bench/reactions_bench.py --readers 64 --seconds 30 --think-ms 1000

The script migrates nothing: the database must hold the demo (`manage.py migrate`,
`manage.py load_demo`). It starts `manage.py serve --no-worker` on --port (unless --base
names a running server, started with the same variables, CONN_MAX_AGE=0 and the two
MANCHETTE_REACTIONS_* limits lifted as in `server_start`) and REMOVES every
reaction to the articles it uses: point it at a benchmark database only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def articles_prepare(count: int) -> list[int]:
    """The articles to react to (the seed article first), without any reaction."""
    from django.db import connection

    from manchette.newsroom.selectors import articles_live
    from manchette.reactions.models import Reaction, ReactionCount

    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must name a PostgreSQL benchmark database.")
    ids = list(articles_live().values_list("pk", flat=True)[:count])
    if not ids:
        raise SystemExit("No live article: run `manage.py load_demo` first.")
    Reaction.objects.filter(article_id__in=ids).delete()
    ReactionCount.objects.filter(article_id__in=ids).delete()
    return ids


def kinds_active() -> list[str]:
    from manchette.reactions.models import ReactionKind

    return list(ReactionKind.objects.filter(active=True).values_list("slug", flat=True))


class Reader:
    """One reader's HTTP/1.1 connection, kept alive, with their cookie: a few lines
    of asyncio instead of an HTTP library, so that the client's own CPU (on the same
    cores as the server) stays small beside the server's."""

    def __init__(self, base: str, local_address: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = base
        self.local_address = local_address
        self.cookie = ""
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, body: str = ""
    ) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.local_address, 0)
            )
        reader, writer = self.streams
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: application/json",
            f"Origin: {self.origin}",
        ]
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        if method == "POST":
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        writer.write(("\r\n".join(head) + "\r\n\r\n" + body).encode())
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "set-cookie":
                cookie = value.strip().split(";", 1)[0]
                self.cookie = "" if cookie.endswith('=""') else cookie
        return status, await reader.readexactly(length)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def reader_loop(
    *,
    number: int,
    base: str,
    articles: list[int],
    kinds: list[str],
    start_at: float,
    deadline: float,
    think: float,
) -> tuple[list[tuple[str, int, float, float]], dict[int, str | None]]:
    rng = random.Random(number)
    client = Reader(base, f"127.0.{number // 250}.{2 + number % 250}")
    samples: list[tuple[str, int, float, float]] = []
    held: dict[int, str | None] = {}
    # All readers start together once every client process is up, each after a
    # random part of its pause: 64 requests sent at the same instant measure a
    # burst, not 64 readers.
    await asyncio.sleep(max(0.0, start_at - time.time()) + rng.uniform(0, think))
    try:
        while time.time() < deadline:
            article = articles[0] if rng.random() < 0.5 else rng.choice(articles)
            roll = rng.random()
            started = time.perf_counter()
            if roll < 0.25:
                kind = "read"
                status, body = await client.request(
                    "GET", f"/lecteur/reactions/{article}/etat.json"
                )
            else:
                kind = "remove" if roll > 0.9 else "react"
                data = (
                    "action=remove" if kind == "remove" else f"kind={rng.choice(kinds)}"
                )
                status, body = await client.request(
                    "POST", f"/reactions/{article}/", data
                )
            elapsed = time.perf_counter() - started
            samples.append((kind, status, elapsed, time.time()))
            if kind != "read" and status == 200:
                held[article] = json.loads(body)["mine"]
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
    finally:
        client.close()
    return samples, held


def worker(
    args: tuple,
) -> tuple[list[tuple[str, int, float]], list[tuple[int, str | None]]]:
    numbers, base, articles, kinds, start_at, deadline, think = args

    async def run() -> list:
        return await asyncio.gather(
            *(
                reader_loop(
                    number=n,
                    base=base,
                    articles=articles,
                    kinds=kinds,
                    start_at=start_at,
                    deadline=deadline,
                    think=think,
                )
                for n in numbers
            )
        )

    results = asyncio.run(run())
    samples = [s for r, _ in results for s in r]
    held = [(article, kind) for _, h in results for article, kind in h.items()]
    return samples, held


def server_start(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        # Every reader here is a distinct, honest reader: lift the per-address limits
        # (they are tested in the test suite) so that every vote counts.
        "MANCHETTE_REACTIONS_WRITES_PER_MINUTE": "1000000",
        "MANCHETTE_REACTIONS_NEW_PER_ARTICLE_PER_DAY": "1000000",
        # Under ASGI each request runs in its own thread, and a persistent connection
        # per thread is never reused: with CONN_MAX_AGE > 0 the server leaks one
        # PostgreSQL connection per request until the server refuses new clients.
        "CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "serve",
            "--no-worker",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import httpx

    for _ in range(120):
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/sante/", timeout=2).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
        if ordered
        else 0.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0,
        help="mean pause between a reader's requests",
    )
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--samples-out", default="", help="write every sample (JSON)")
    parser.add_argument(
        "--base", default="", help="a running server (else one is started)"
    )
    options = parser.parse_args()
    if not options.base and (options.seconds > 120 or options.readers > 256):
        raise SystemExit(
            "kept short on a shared machine: at most 120 s and 256 readers"
        )

    django_setup()
    from manchette.reactions.models import Reaction, ReactionCount

    articles = articles_prepare(options.articles)
    kinds = kinds_active()
    server = None if options.base else server_start(options.port)
    base = options.base or f"http://127.0.0.1:{options.port}"
    try:
        import httpx

        warm_up = {"Accept": "application/json", "Origin": base}
        for _ in range(20):  # both page workers past their first, slower requests
            httpx.get(f"{base}/lecteur/reactions/{articles[0]}/etat.json", timeout=30)
            # A withdrawal without a reaction: the whole write path, no vote.
            httpx.post(
                f"{base}/reactions/{articles[0]}/",
                data={"action": "remove"},
                headers=warm_up,
                timeout=30,
            )
        # Wall-clock times, shared by the client processes, which take a few
        # seconds to start (not measured: the readers start together after).
        start_at = time.time() + 2 + options.processes
        deadline = start_at + options.seconds
        groups = [
            list(range(options.readers))[i :: options.processes]
            for i in range(options.processes)
        ]
        with multiprocessing.get_context("spawn").Pool(options.processes) as pool:
            parts = pool.map(
                worker,
                [
                    (
                        g,
                        base,
                        articles,
                        kinds,
                        start_at,
                        deadline,
                        options.think_ms / 1000,
                    )
                    for g in groups
                    if g
                ],
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    samples = [s for p, _ in parts for s in p]
    if options.samples_out:
        Path(options.samples_out).write_text(json.dumps(samples))
    held = [h for _, p in parts for h in p]
    statuses = Counter(status for _, status, _, _ in samples)
    # From the first request sent to the last answer received (not the client
    # processes' start-up, nor a reader's last pause).
    duration = max(end for _, _, _, end in samples) - min(
        end - elapsed for _, _, elapsed, end in samples
    )
    accepted = [s for s in samples if s[0] != "read" and s[1] == 200]
    expected = Counter((article, kind) for article, kind in held if kind)
    counters = Counter(
        {
            (c.article_id, c.kind.slug): c.count
            for c in ReactionCount.objects.filter(
                article_id__in=articles
            ).select_related("kind")
            if c.count
        }
    )
    rows = Counter(
        Reaction.objects.filter(article_id__in=articles).values_list(
            "article_id", "kind__slug"
        )
    )
    print(
        f"readers={options.readers} seconds={options.seconds} think_ms={options.think_ms} articles={articles}"
    )
    print(
        f"requests={len(samples)} in {duration:.1f} s: {len(samples) / duration:.0f} requests/s; statuses={dict(statuses)}"
    )
    for kind in ("read", "react", "remove", "all"):
        times = [t * 1000 for k, _, t, _ in samples if kind in (k, "all")]
        if times:
            print(
                f"  {kind:7} n={len(times):6} p50={statistics.median(times):6.1f} ms "
                f"p95={percentile(times, 0.95):6.1f} ms p99={percentile(times, 0.99):6.1f} ms max={max(times):6.1f} ms"
            )
    print(
        f"accepted votes (POST 200)={len(accepted)}; reactions held at the end={sum(expected.values())}"
    )
    print(
        f"counters in the database={sum(counters.values())}; reaction rows={sum(rows.values())}"
    )
    exact = counters == expected == rows
    print("EXACT: counters == reactions the server accepted" if exact else "MISMATCH")
    if not exact:
        print(
            "expected",
            sorted(expected.items()),
            "\ncounters",
            sorted(counters.items()),
            "\nrows",
            sorted(rows.items()),
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
