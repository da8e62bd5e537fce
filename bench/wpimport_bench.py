"""Import of a large generated WordPress export: time and peak memory.

    .venv/bin/python bench/wpimport_bench.py                      # 10,000 posts, 100,000 comments
    .venv/bin/python bench/wpimport_bench.py --posts 1000 --comments 10000   # a busy machine

Writes the export to a temporary folder, imports it with `manage.py import_wordpress` into a
fresh SQLite database of its own (never the developer's var/), and reports wall time and the
peak resident memory of the import process (getrusage of the child); then imports the same
file again (nothing changes: every item is recognised), and with --index runs the task
worker until the search and reference index tasks of the new pages are done. Target
(issue 8): 10,000 posts and 100,000 comments in under 10 minutes and 500 MB."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
WORDS = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "Arménie",
    "Azerbaïdjan",
    "cessez-le-feu",
    "négociations",
    "Moscou",
    "Bakou",
    "Erevan",
    "ministre",
    "accord",
    "frontière",
    "région",
    "conflit",
    "habitants",
    "ville",
    "gouvernement",
    "déclaration",
]


def paragraph(rng: random.Random) -> str:
    return (
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 60))).capitalize()
        + "."
    )


def write_export(path: Path, *, posts: int, comments: int, seed: int = 8) -> None:
    rng = random.Random(seed)
    per_post = comments // posts
    extra = comments - per_post * posts
    comment_id = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>Banc d’essai</title><link>https://bench.example</link>\n"
            "<wp:wxr_version>1.2</wp:wxr_version>"
            "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
            "<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[redac]]>"
            "</wp:author_login><wp:author_display_name><![CDATA[Rédaction du banc]]>"
            "</wp:author_display_name></wp:author>\n"
        )
        for n, name in enumerate(("International", "Économie", "Culture"), start=1):
            out.write(
                f"<wp:category><wp:term_id>{n}</wp:term_id><wp:category_nicename>"
                f"banc-{n}</wp:category_nicename><wp:cat_name><![CDATA[{name}]]>"
                "</wp:cat_name></wp:category>\n"
            )
        for n in range(1, 21):
            out.write(
                f"<wp:tag><wp:term_id>{100 + n}</wp:term_id><wp:tag_slug>sujet-{n}"
                f"</wp:tag_slug><wp:tag_name><![CDATA[Sujet {n}]]></wp:tag_name></wp:tag>\n"
            )
        for post in range(1, posts + 1):
            day = 1 + post % 28
            month = 1 + post % 12
            body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(4, 9)))
            if post % 3 == 0:
                body = "\n\n".join(
                    f"<!-- wp:paragraph -->\n<p>{paragraph(rng)}</p>\n<!-- /wp:paragraph -->"
                    for _ in range(5)
                )
            local = datetime(2020, month, day, 10, tzinfo=PARIS)
            gmt = local.astimezone(UTC)
            out.write(
                f"<item><title><![CDATA[Article de banc numéro {post}]]></title>"
                f"<link>https://bench.example/2020/{month:02}/{day:02}/article-{post}/</link>"
                f"<dc:creator><![CDATA[redac]]></dc:creator>"
                f'<guid isPermaLink="false">https://bench.example/?p={post}</guid>'
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[{paragraph(rng)}]]></excerpt:encoded>"
                f"<wp:post_id>{post}</wp:post_id>"
                f"<wp:post_date>2020-{month:02}-{day:02} 10:00:00</wp:post_date>"
                f"<wp:post_date_gmt>{gmt:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                f"<wp:post_modified>2020-{month:02}-{day:02} 10:00:00</wp:post_modified>"
                f"<wp:post_modified_gmt>{gmt:%Y-%m-%d %H:%M:%S}</wp:post_modified_gmt>"
                "<wp:comment_status>open</wp:comment_status>"
                f"<wp:post_name>article-{post}</wp:post_name><wp:status>publish</wp:status>"
                "<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="banc-{1 + post % 3}"><![CDATA[x]]></category>'
                f'<category domain="post_tag" nicename="sujet-{1 + post % 20}"><![CDATA[x]]></category>'
            )
            count = per_post + (1 if post <= extra else 0)
            first = comment_id + 1
            for k in range(count):
                comment_id += 1
                parent = 0 if k % 3 == 0 else rng.randint(first, comment_id - 1)
                out.write(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Lecteur {comment_id % 500}]]></wp:comment_author>"
                    f"<wp:comment_author_email>lecteur{comment_id % 500}@example.org</wp:comment_author_email>"
                    f"<wp:comment_author_IP>192.0.2.{comment_id % 250}</wp:comment_author_IP>"
                    f"<wp:comment_date>{local:%Y-%m-%d} 12:00:00</wp:comment_date>"
                    f"<wp:comment_date_gmt>{gmt + timedelta(hours=2):%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{paragraph(rng)}]]></wp:comment_content>"
                    f"<wp:comment_approved>{'1' if k % 7 else '0'}</wp:comment_approved>"
                    f"<wp:comment_type>comment</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>"
                    "<wp:commentmeta><wp:meta_key>wpdiscuz_votes_seperate</wp:meta_key>"
                    '<wp:meta_value><![CDATA[a:2:{s:4:"like";i:3;s:7:"dislike";i:1;}]]></wp:meta_value>'
                    "</wp:commentmeta></wp:comment>"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def run_measured(
    command: list[str], env: dict[str, str]
) -> tuple[float, float, float, str]:
    """Wall time, peak RSS (MB) and CPU time (user + system) of the child alone,
    and its output. On a busy machine the CPU time is what the command would take
    on a core of its own."""
    # A small parent of its own, so that the peak is the command's alone.
    wrapper = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print('PEAK_KB', u.ru_maxrss, 'CPU_S', u.ru_utime + u.ru_stime, file=sys.stderr); "
        "sys.exit(r.returncode)"
    )
    started = time.monotonic()
    result = subprocess.run(
        [PY, "-c", wrapper, *command],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    if result.returncode:
        print(result.stdout[-3000:])
        print(result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(result.returncode)
    figures = result.stderr.rsplit("PEAK_KB", 1)[1].split()
    peak_mb, cpu_s = int(figures[0]) / 1024, float(figures[2])
    return elapsed, peak_mb, cpu_s, result.stdout


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument(
        "--redis",
        default="",
        help="cache on this Redis URL (production); default: file cache",
    )
    parser.add_argument(
        "--no-again",
        action="store_true",
        help="do not import the same file a second time (re-import: nothing changes)",
    )
    parser.add_argument(
        "--index",
        action="store_true",
        help="then run the task worker until its queue is empty (search and "
        "reference indexes of the new pages, as `make run` does in the background)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wpimport-bench-") as tmp:
        folder = Path(tmp)
        export = folder / "export.xml"
        started = time.monotonic()
        write_export(export, posts=args.posts, comments=args.comments)
        print(
            f"export: {export.stat().st_size / 1e6:.1f} MB written in {time.monotonic() - started:.1f} s"
        )
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "MANCHETTE_MEDIA_ROOT": str(folder / "media"),
        }
        env.pop("REDIS_URL", None)
        if args.redis:
            env["REDIS_URL"] = args.redis
        subprocess.run(
            [PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [PY, "manage.py", "load_demo"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"posts={args.posts} comments={args.comments} cache={'redis' if args.redis else 'file'}"
        )
        importing = [PY, "manage.py", "import_wordpress", str(export)]
        print(f"load average before the import: {load()} (2 cores)")
        elapsed, peak_mb, cpu_s, output = run_measured(importing, env)
        print(output[-1500:])
        print(
            f"import: {elapsed:.1f} s, peak RSS of the import process {peak_mb:.0f} MB, "
            f"its CPU time {cpu_s:.1f} s"
        )
        print(
            f"per post with its comments: {elapsed / args.posts * 1000:.0f} ms; "
            f"{args.posts / elapsed:.1f} posts/s, {args.comments / elapsed:.0f} comments/s"
        )
        print(f"load average after the import: {load()} (2 cores)")
        if not args.no_again:
            elapsed, peak_mb, cpu_s, output = run_measured(importing, env)
            print(output[-1500:])
            print(
                f"re-import (same file, nothing changes): {elapsed:.1f} s, "
                f"peak RSS {peak_mb:.0f} MB, CPU {cpu_s:.1f} s; "
                f"load average after: {load()}"
            )
        if args.index:
            elapsed, peak_mb, cpu_s, _output = run_measured(
                [
                    PY,
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--batch",
                    "--no-startup-delay",
                    "--interval",
                    "0.1",
                ],
                env,
            )
            print(
                f"task worker (search and reference indexes): {elapsed:.1f} s, "
                f"peak RSS {peak_mb:.0f} MB, CPU {cpu_s:.1f} s; "
                f"load average after: {load()}"
            )


if __name__ == "__main__":
    main()
