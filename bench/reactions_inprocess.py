"""The cost of one reaction request inside Django, without the network and the app
server: CPU time and wall time per request, and the queries it makes, on the database
and cache named by DATABASE_URL and REDIS_URL (a benchmark database: it REMOVES every
reaction to the article it uses).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reactions_h \\
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/reactions_inprocess.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ["MANCHETTE_REACTIONS_WRITES_PER_MINUTE"] = "1000000"
os.environ["MANCHETTE_REACTIONS_NEW_PER_ARTICLE_PER_DAY"] = "1000000"

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.reactions_bench import articles_prepare, kinds_active  # noqa: E402


def measure(label: str, call, rounds: int) -> None:
    cpu, wall, queries = [], [], []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            status = call()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        assert status == 200, status
        queries.append(len(captured.captured_queries))
    print(
        f"{label:28} cpu p50={statistics.median(cpu):5.1f} ms  wall p50={statistics.median(wall):5.1f} ms "
        f"p99={sorted(wall)[int(0.99 * (len(wall) - 1))]:6.1f} ms  queries={statistics.median(queries):.0f}"
    )


def main() -> None:
    article = articles_prepare(1)[0]
    kinds = kinds_active()
    rng = random.Random(1)
    readers = [Client(REMOTE_ADDR=f"127.0.0.{n + 2}") for n in range(50)]
    json = {"HTTP_ACCEPT": "application/json"}
    for client in readers:  # warm up: cookies set, caches filled
        client.post(f"/reactions/{article}/", {"kind": kinds[0]}, **json)
    print(
        f"database={connection.vendor} CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}"
    )
    measure(
        "GET etat.json",
        lambda: (
            rng.choice(readers)
            .get(f"/lecteur/reactions/{article}/etat.json")
            .status_code
        ),
        300,
    )
    measure(
        "POST change (JSON)",
        lambda: (
            rng.choice(readers)
            .post(f"/reactions/{article}/", {"kind": rng.choice(kinds)}, **json)
            .status_code
        ),
        300,
    )
    fresh = iter(Client(REMOTE_ADDR="127.0.1.1") for _ in range(300))
    measure(
        "POST new reader (JSON)",
        lambda: (
            next(fresh)
            .post(f"/reactions/{article}/", {"kind": rng.choice(kinds)}, **json)
            .status_code
        ),
        300,
    )


if __name__ == "__main__":
    main()
