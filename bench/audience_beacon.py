"""What one counted page view costs: the beacon request through the whole Django stack
(middleware, view, one UPDATE), next to a cached article page served to the same
client, in-process and sequential (no network, no concurrency: a per-request cost).

    .venv/bin/python bench/audience_beacon.py --views 3000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trust_h \\
        REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/audience_beacon.py

The database is a scratch one: SQLite in /tmp by default (migrated once, kept for the
next run), or the DATABASE_URL given (its tables are created if missing)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/manchette-audience-bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=3000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, "testserver"
    call_command("migrate", verbosity=0)
    from manchette.audience.models import HourlyViews
    from manchette.newsroom.models import ArticlePage, HomePage
    from manchette.newsroom.tests.factories import make_article, make_site

    if not HomePage.objects.filter(slug="une-test").exists():
        make_site()
    section = HomePage.objects.get(slug="une-test").get_children().first().specific
    article = ArticlePage.objects.live().first() or make_article(section)
    HourlyViews.objects.all().delete()

    client = Client(
        HTTP_USER_AGENT="Mozilla/5.0 bench", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert client.get(article.url).status_code == 200  # fills the page cache
    assert client.get(article.url)["X-Cache"] == "HIT"

    def timed(fn, n: int) -> list[float]:
        out = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
        return out

    beacon = lambda: client.post(  # noqa: E731
        "/audience/vue/", {"a": article.pk, "r": "www.qwant.com"}
    )
    page = lambda: client.get(article.url)  # noqa: E731
    assert beacon().status_code == 204
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        beacon()
    beacon_ms = timed(beacon, args.views)
    page_ms = timed(page, args.views)
    counted = sum(HourlyViews.objects.values_list("views", flat=True))

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        p50 = statistics.median(values)
        p99 = values[int(len(values) * 0.99) - 1]
        return f"| {name} | {len(values):,} | {p50:.2f} ms | {p99:.2f} ms | {1000 / statistics.mean(values):,.0f}/s |"

    print(
        f"database: {connection.vendor}; cache: {os.environ.get('REDIS_URL') or 'local memory'}"
    )
    print(
        f"queries per counted view: {len(queries)} ({'; '.join(q[:70] for q in queries)})"
    )
    print(f"views counted: {counted:,} in {HourlyViews.objects.count()} counter row(s)")
    print("| request | n | p50 | p99 | sequential rate |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(line("beacon POST (counted)", beacon_ms))
    print(line("cached article page (HIT)", page_ms))


if __name__ == "__main__":
    main()
