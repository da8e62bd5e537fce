"""The discussions' share of an article render, in process (no HTTP server): the
discussion block alone (policy, counts, first page of threads, template) for
articles with 0, 100 and 10,000 comments, its SQL queries, the whole article page
with the page cache off, and the API's 100-comment JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/discussions_h \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/discussions_render.py

Uses (and if needed builds) the same benchmark site as discussions_bench.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discussions_bench import setup


def _median_ms(run, repeat: int) -> float:
    for _ in range(3):
        run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    site = setup()
    from django.conf import settings
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from manchette.discussions.views import discussion_context

    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    client = Client(HTTP_HOST="127.0.0.1:8765")
    rows = []
    with override_settings(
        PAGE_CACHE_ENABLED=False, ALLOWED_HOSTS=["*"], STORAGES=storages
    ):
        for label, article in [
            ("0", site["empty"]),
            ("100", site["hundred"]),
            ("10 000", site["big"]),
        ]:

            def block(article=article):
                return render_to_string(
                    "discussions/section.html",
                    {**discussion_context(article=article), "personal": False},
                )

            block()  # the site's policies are then in the cache, as in production
            with CaptureQueriesContext(connection) as queries:
                block()
            rows.append(
                (
                    f"bloc de discussion, {label} commentaires",
                    _median_ms(block, args.repeat),
                    len(queries.captured_queries),
                )
            )
            rows.append(
                (
                    f"page d’article entière, {label} commentaires",
                    _median_ms(lambda a=article: client.get(a.url), args.repeat),
                    None,
                )
            )
        json_url = f"/api/discussions/articles/{site['hundred'].pk}/comments"
        assert client.get(json_url).status_code == 200
        rows.append(
            (
                "API : fil de 100 commentaires (JSON)",
                _median_ms(lambda: client.get(json_url), args.repeat),
                None,
            )
        )
    for label, ms, queries in rows:
        extra = f" ({queries} requêtes SQL)" if queries is not None else ""
        print(f"| {label} | {ms:.1f} ms{extra} |")


if __name__ == "__main__":
    main()
