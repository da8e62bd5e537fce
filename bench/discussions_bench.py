"""Discussions on PostgreSQL: server time of an article page with 0, 100 and 10,000
comments (page cache off: what a cache miss costs), and comment posting by 32
concurrent posters against a real server (granian, 2 workers) with every check on
(rate limits, moderation signals, idempotency, counts, cache invalidation).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/discussions_h \\
    REDIS_URL=redis://127.0.0.1:6379/4 \\
    .venv/bin/python bench/discussions_bench.py --posters 32 --seconds 10

It migrates the database, builds a small site in it and ADDS comments: point it at a
benchmark database only. Posters come from distinct addresses (X-Forwarded-For behind
the trusted loopback proxy) with distinct emails over 1,000 articles, so that the limits
run on every request without refusing honest traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from isso_posting import (  # noqa: E402
    children,
    cpu_ticks,
    reference_loop,
    wrk_result,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MANCHETTE_TRUSTED_PROXIES"] = "127.0.0.1"


def setup() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from wagtail.models import Site

    from manchette.discussions.models import (
        ArticleDiscussion,
        Comment,
        DiscussionSettings,
    )
    from manchette.newsroom.models import ArticlePage, SectionPage
    from manchette.newsroom.tests.factories import make_article, make_site

    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must name a PostgreSQL benchmark database.")
    call_command("migrate", verbosity=0)
    if not SectionPage.objects.filter(slug="international").exists():
        make_site()
        Site.objects.update(hostname="127.0.0.1", port=8765)
    section = SectionPage.objects.get(slug="international")
    settings_row = DiscussionSettings.load()
    settings_row.policy = "post"
    settings_row.save()
    articles = list(ArticlePage.objects.live().descendant_of(section).order_by("pk"))
    # Posts go to 1,000 articles: at 340 a second, 20 a minute each, under the
    # per-article limit (60 a minute) that every post is checked against.
    while len(articles) < 1004:
        articles.append(make_article(section))
    empty, hundred, big = articles[:3]
    # 20 threads of 5 comments: the API's first page holds all 100 of them
    full = articles[203]
    now = timezone.now()

    def fill(article, total):
        Comment.objects.filter(article=article).delete()
        rows = []
        for n in range(total):
            rows.append(
                Comment(
                    article=article,
                    author_name=f"Lecteur {n}",
                    avatar_seed=f"{n:064x}",
                    body_raw=f"Commentaire {n}",
                    body_html=f"<p>Commentaire {n} avec un peu de texte.</p>",
                    status="approved",
                    created_at=now,
                    score=n % 7,
                )
            )
        made = Comment.objects.bulk_create(rows, batch_size=2000)
        # one comment in ten answers an earlier top-level one
        replies = []
        for index, comment in enumerate(made):
            if index % 10 == 9:
                parent = made[index - 9]
                comment.parent_id = comment.root_id = parent.pk
                comment.depth = 1
                replies.append(comment)
        Comment.objects.bulk_update(
            replies, ["parent", "root", "depth"], batch_size=2000
        )
        ArticleDiscussion.objects.update_or_create(
            article=article, defaults={"comment_count": total}
        )

    def fill_threads(article, threads, replies):
        Comment.objects.filter(article=article).delete()
        tops = Comment.objects.bulk_create(
            Comment(
                article=article,
                author_name=f"Lecteur {n}",
                avatar_seed=f"{n:064x}",
                body_raw=f"Commentaire {n}",
                body_html=f"<p>Commentaire {n} avec un peu de texte.</p>",
                status="approved",
                created_at=now,
                reply_count=1,
            )
            for n in range(threads)
        )
        for top in tops:
            parent = top
            for n in range(replies):
                parent = Comment.objects.create(
                    article=article,
                    parent=parent,
                    root=top,
                    depth=min(n + 1, 2),
                    author_name=f"Répondant {n}",
                    avatar_seed=f"{n:064x}",
                    body_raw=f"Réponse {n}",
                    body_html=f"<p>Réponse {n} avec un peu de texte.</p>",
                    status="approved",
                    created_at=now,
                )
        ArticleDiscussion.objects.update_or_create(
            article=article, defaults={"comment_count": threads * (1 + replies)}
        )

    fill(empty, 0)
    fill(hundred, 100)
    if Comment.objects.filter(article=full).count() != 100:
        fill_threads(full, 20, 4)
    if Comment.objects.filter(article=big).count() != 10_000:
        fill(big, 10_000)
    return {
        "empty": empty,
        "hundred": hundred,
        "big": big,
        "full": full,
        "targets": [a.pk for a in articles[3:203] + articles[204:1004]],
    }


def page_times(site: dict, repeat: int) -> dict[str, float]:
    from django.test import Client, override_settings

    results = {}
    client = Client(HTTP_HOST="127.0.0.1:8765")
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with override_settings(
        PAGE_CACHE_ENABLED=False, ALLOWED_HOSTS=["*"], STORAGES=storages
    ):
        for label, article, url in [
            ("article, 0 commentaire", site["empty"], None),
            ("article, 100 commentaires", site["hundred"], None),
            ("article, 10 000 commentaires", site["big"], None),
            (
                "fil seul (HTML) de 100 commentaires",
                site["hundred"],
                f"/commentaires/{site['hundred'].pk}/?fragment=1",
            ),
            ("compte.json", site["big"], f"/commentaires/{site['big'].pk}/compte.json"),
        ]:
            path = url or article.url
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            results[label] = statistics.median(samples)
    return results


async def post_load(
    *, base: str, targets: list[int], posters: int, seconds: float, started_token: str
) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    counter = 0

    async def poster(number: int) -> None:
        nonlocal counter
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while time.monotonic() < deadline:
                counter += 1
                n = counter
                data = {
                    "nom": f"Posteur {number}",
                    "courriel": f"p{number}-{n}@bench.example",
                    "consentement": "on",
                    "texte": f"Commentaire de charge {n} du posteur {number}.",
                    "debut": started_token,
                    "cle": f"{number}-{n}",
                }
                address = f"10.{number}.{n // 250 % 250}.{n % 250 + 1}"
                started = time.perf_counter()
                response = await client.post(
                    f"/commentaires/{random.choice(targets)}/poster/",
                    data=data,
                    headers={"X-Forwarded-For": address},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = (
                    statuses.get(response.status_code, 0) + 1
                )

    began = time.monotonic()
    await asyncio.gather(*(poster(i) for i in range(posters)))
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "statuses": statuses,
    }


def post_load_wrk(
    *, base: str, targets: list[int], posters: int, seconds: float, started_token: str
) -> dict:
    """The same posters driven by wrk (bench/discussions_post.lua): a client in C
    that takes far less of the two cores than httpx, which the server shares them
    with."""
    command = [
        "wrk",
        f"-t{posters}",
        f"-c{posters}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(ROOT / "bench" / "discussions_post.lua"),
        base,
        "--",
        started_token,
        *map(str, targets),
    ]
    result = wrk_result(command)
    return {
        **result,
        "statuses": {
            "302": result["requests"] - result["unexpected"],
            "other": result["unexpected"],
            "other_statuses": result["other_statuses"],
            "errors": result["errors"],
        },
    }


def postgres_pids() -> list[int]:
    """PostgreSQL's processes (its backends come and go with the connections)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posters", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--client",
        choices=["httpx", "wrk"],
        default="httpx",
        help="what drives the posters (wrk: bench/discussions_post.lua)",
    )
    parser.add_argument(
        "--no-pages", action="store_true", help="posting only, no page timings"
    )
    args = parser.parse_args()
    site = setup()
    if not args.no_pages:
        for label, ms in page_times(site, args.repeat).items():
            print(f"{label}: {ms:.1f} ms (médiane de {args.repeat})")
    from manchette.discussions.forms import form_started_token

    token = form_started_token()
    env = {
        **os.environ,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MANCHETTE_PAGE_CACHE": "1",
        "CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            "2",
            "--loop",
            "uvloop",  # as `manage.py serve`
            "--no-access-log",
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, workers included
    )
    try:
        import httpx

        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                httpx.get(base + "/sante/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(max(0.0, 3.5))  # the form's minimum time, as a person would take
        print(f"reference loop before: {reference_loop():.2f} s")
        server_pids = [server.pid, *children(server.pid)]
        for label, posters, seconds in [
            # each worker's threads open their connections, load what they use
            ("échauffement (non compté)", args.posters, 2),
            ("1 posteur (sans charge)", 1, min(args.seconds, 5)),
            (f"{args.posters} posteurs", args.posters, args.seconds),
        ]:
            options = {
                "base": base,
                "targets": site["targets"],
                "posters": posters,
                "seconds": seconds,
                "started_token": token,
            }
            server_before = sum(cpu_ticks(server_pids))
            database_before = sum(cpu_ticks(postgres_pids()))
            if args.client == "wrk":
                result = post_load_wrk(**options)
            else:
                result = asyncio.run(post_load(**options))
            ticks = os.sysconf("SC_CLK_TCK")
            per_post = {
                name: (sum(cpu_ticks(pids)) - before)
                / ticks
                / result["requests"]
                * 1000
                for name, pids, before in [
                    ("serveur", server_pids, server_before),
                    ("PostgreSQL", postgres_pids(), database_before),
                ]
            }
            print(
                f"POST {label}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, {result['requests']} requêtes, statuts {result['statuses']}; "
                f"CPU par post : serveur {per_post['serveur']:.2f} ms, PostgreSQL {per_post['PostgreSQL']:.2f} ms"
            )
        print(f"reference loop after: {reference_loop():.2f} s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # granian's workers may linger on TERM
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


if __name__ == "__main__":
    main()
