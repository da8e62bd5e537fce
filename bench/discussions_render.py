"""The discussions' share of an article render, in process (no HTTP server): the
discussion block alone (policy, counts, first page of threads, template) for
articles with 0, 100 and 10,000 comments, its SQL queries, the whole article page
with the page cache off, and the API's 100-comment JSON.

Each is measured twice: as readers get it while the discussion does not change (the
block and the JSON come from the discussion's cache, see discussions/fragments.py),
and right after a change (the discussion's version is moved before each run, so
that everything is rendered from the database).

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


def _median_ms(run, repeat: int, before=None) -> float:
    for _ in range(3):
        if before:
            before()
        run()
    samples = []
    for _ in range(repeat):
        if before:
            before()  # not timed
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    _fastest.append(min(samples))
    return statistics.median(samples)


# The fastest run of each measure, beside the median: on a shared machine, the run
# that was least interrupted by other processes.
_fastest: list[float] = []


def _posting(client, site: dict, repeat: int) -> list[tuple[str, float, int | None]]:
    """One guest's comments through the reader form, one at a time (every check on:
    origin, form, rate limits, signals, idempotency, counts, cache versions, live
    event, notification task): the median server time, and the CPU time of this
    process alone (what a busy machine's other work adds to the first, not to this)."""
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from manchette.discussions.forms import form_started_token

    token = form_started_token()
    time.sleep(3.2)  # the form's minimum time, as a person would take
    sent = [0]

    def post() -> None:
        sent[0] += 1
        n = sent[0]
        response = client.post(
            f"/commentaires/{random.choice(site['targets'])}/poster/",
            {
                "nom": "Posteur en process",
                "courriel": f"process-{n}-{time.time()}@bench.example",
                "consentement": "on",
                "texte": f"Commentaire {n} posté en process à {time.time()}.",
                "debut": token,
                "cle": f"process-{n}-{time.time()}",
            },
            HTTP_X_FORWARDED_FOR=f"10.99.{n // 250 % 250}.{n % 250 + 1}",
        )
        assert response.status_code == 302, response.status_code

    wall = _median_ms(post, repeat)
    cpu = []
    for _ in range(repeat):
        started = time.process_time()
        post()
        cpu.append((time.process_time() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        post()
    _fastest.append(min(cpu))
    return [
        ("POST d’un commentaire (formulaire), temps serveur", wall, len(queries)),
        ("POST d’un commentaire, temps CPU du processus", statistics.median(cpu), None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    site = setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from manchette.discussions import fragments
    from manchette.discussions.views import discussion_block_html

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
                return discussion_block_html(article=article)

            def changed(article=article):
                fragments._version_set(article.pk)

            def page(article=article):
                assert client.get(article.url).status_code == 200

            block()  # the site's policies are then in the cache, as in production
            for state, before in (("à jour", None), ("après un changement", changed)):
                if before:
                    before()
                with CaptureQueriesContext(connection) as queries:
                    block()
                rows.append(
                    (
                        f"bloc de discussion, {label} commentaires, {state}",
                        _median_ms(block, args.repeat, before),
                        len(queries.captured_queries),
                    )
                )
                rows.append(
                    (
                        f"page d’article entière, {label} commentaires, {state}",
                        _median_ms(page, args.repeat, before),
                        None,
                    )
                )
        for label, article in (
            ("l’article de 100 commentaires, 1re page", site["hundred"]),
            ("20 fils de 5 commentaires", site["full"]),
        ):
            json_url = f"/api/discussions/articles/{article.pk}/comments"
            shown = client.get(json_url).json()["comments"]
            total = len(shown) + sum(len(c["replies"]) for c in shown)
            for state, before in (
                ("à jour", None),
                ("après un changement", lambda a=article: fragments._version_set(a.pk)),
            ):
                rows.append(
                    (
                        f"API (JSON) : {label} ({total} commentaires), {state}",
                        _median_ms(
                            lambda u=json_url: client.get(u), args.repeat, before
                        ),
                        None,
                    )
                )
        rows.extend(_posting(client, site, args.repeat))
    fastest = _fastest[-len(rows) :]
    print("| mesure | médiane | la plus rapide |")
    print("| --- | --- | --- |")
    for (label, ms, queries), best in zip(rows, fastest, strict=True):
        extra = f" ({queries} requêtes SQL)" if queries is not None else ""
        print(f"| {label}{extra} | {ms:.1f} ms | {best:.1f} ms |")


if __name__ == "__main__":
    main()
