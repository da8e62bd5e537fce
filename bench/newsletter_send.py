"""Send one edition to many subscribers into a real SMTP sink on loopback, with task
workers (`manage.py db_worker`, django-tasks' database backend) sending through
Django's SMTP backend; optionally SIGKILL one worker midway (or at several points)
and restart it.

    .venv/bin/python bench/newsletter_send.py --count 100000 --workers 2 --kill
    .venv/bin/python bench/newsletter_send.py --count 100000 --workers 2 --kill \
        --kill-at 0.2,0.5,0.8 --kill-in body

`--kill-in body` catches the worker between a group's bodies (at the server, one per
SMTP connection) and their record in the delivery log: the database is held (SQLite:
its write lock; PostgreSQL: the rows being sent) until messages stay begun but not
received, then the worker is killed and the database released.

Prints messages per second, each worker's memory over time, and what the sink
counted: distinct recipients, copies, distinct Message-IDs per recipient. SQLite in
a fresh file by default; `--database-url postgres://…` for PostgreSQL (the database
is emptied). Bounded: stops by itself after `--timeout` seconds."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker midway")
    parser.add_argument(
        "--kill-at",
        default="0.5",
        help="with --kill: fractions of --count at which worker 0 is killed, e.g. 0.2,0.5",
    )
    parser.add_argument(
        "--kill-in",
        choices=["anywhere", "body"],
        default="anywhere",
        help="anywhere: whatever the worker is doing; body: between a body and its record",
    )
    parser.add_argument("--rate", type=float, default=0, help="msg/s, 0 = unthrottled")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--connections",
        type=int,
        default=8,
        help="SMTP connections per worker (NEWSLETTER_SMTP_CONNECTIONS)",
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    database_url = (
        args.database_url
        or f"sqlite:///{BASE_DIR / 'var' / 'bench-newsletter.sqlite3'}"
    )
    if database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(database_url.removeprefix("sqlite:///") + suffix).unlink(
                missing_ok=True
            )
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "MANCHETTE_TASK_BACKEND": "database",
            "MANCHETTE_NEWSLETTER_SEND_RATE": str(args.rate),
            "MANCHETTE_NEWSLETTER_SEND_CONCURRENCY": str(args.workers),
            "MANCHETTE_NEWSLETTER_BATCH_SIZE": str(args.batch),
            "MANCHETTE_NEWSLETTER_SMTP_CONNECTIONS": str(args.connections),
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from manchette.newsletter import services
    from manchette.newsletter.models import (
        Delivery,
        DeliveryStatus,
        Edition,
        NewsletterList,
        Subscriber,
        Subscription,
    )
    from manchette.newsletter.smtp_sink import smtp_sink

    @contextlib.contextmanager
    def records_held():
        if connection.vendor == "sqlite":
            import sqlite3

            db = sqlite3.connect(
                database_url.removeprefix("sqlite:///"),
                isolation_level=None,
                timeout=60,
            )
            try:
                db.execute("BEGIN IMMEDIATE")
                yield
            finally:
                db.execute("ROLLBACK")
                db.close()
            return
        with transaction.atomic():
            list(
                Delivery.objects.select_for_update()
                .filter(status=DeliveryStatus.SENDING)
                .values_list("pk", flat=True)
            )
            yield

    def kill_between_body_and_record(worker, sink) -> set[str]:
        """SIGKILL `worker` while the database holds every record back; returns the
        recipients whose body the server had then and still has not received."""
        for _ in range(200):
            with records_held():
                time.sleep(0.3)
                begun = sink.begun_not_received()
                time.sleep(0.2)
                if begun and sink.begun_not_received() == begun:
                    worker.send_signal(signal.SIGKILL)
                    worker.wait()
                    return set(begun)
            time.sleep(0.1)
        raise SystemExit("never caught a worker between a body and its record")

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    if not database_url.startswith("sqlite"):
        Delivery.objects.all().delete()
        Edition.objects.all().delete()
        Subscriber.objects.all().delete()
    digest = NewsletterList.objects.get(slug="essentiel")
    now = timezone.now()
    for start in range(0, args.count, 10_000):
        chunk = range(start, min(args.count, start + 10_000))
        created = Subscriber.objects.bulk_create(
            [
                Subscriber(email=f"lecteur{i}@bench.test", confirmed_at=now)
                for i in chunk
            ]
        )
        if created[0].pk is None:
            created = list(
                Subscriber.objects.filter(email__in=[s.email for s in created])
            )
        Subscription.objects.bulk_create(
            [Subscription(subscriber=s, newsletter_list=digest) for s in created]
        )
    edition = Edition.objects.create(
        newsletter_list=digest,
        subject="L’essentiel du jour (banc d’essai)",
        intro="Bonjour.",
    )
    print(
        f"setup: {args.count} subscribers in {time.monotonic() - started:.1f}s",
        flush=True,
    )

    with smtp_sink(keep_messages=False) as (sink, port):
        env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
        argv = [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--no-reload",
        ]
        # The delivery log is written here, before the workers start, as the
        # prepare task would: on SQLite under load, writing 100,000 rows in one
        # transaction holds the write lock longer than an idle db_worker waits for
        # it (20 s), and django-tasks' worker exits on "database is locked".
        services.edition_send_start(edition=edition)  # queues the prepare task
        prepared_at = time.monotonic()
        services.edition_deliveries_prepare(edition_id=edition.pk)
        print(
            f"delivery log: {args.count} rows in {time.monotonic() - prepared_at:.1f}s",
            flush=True,
        )
        workers = [
            subprocess.Popen(argv, env=env, cwd=BASE_DIR) for _ in range(args.workers)
        ]
        t0 = time.monotonic()
        first_at = last_at = None
        killed = restarted = False
        kill_points = (
            sorted(float(f) for f in args.kill_at.split(",")) if args.kill else []
        )
        kills: list[str] = []
        cut: set[str] = set()
        memory: list[tuple[float, list[float]]] = []
        last_count, last_tick = 0, t0
        try:
            while time.monotonic() - t0 < args.timeout:
                time.sleep(1)
                now_t = time.monotonic()
                count = len(sink.received)
                if count and first_at is None:
                    first_at = now_t
                if count > last_count:
                    last_at = now_t
                rss = [round(rss_mib(w.pid), 1) for w in workers]
                memory.append((round(now_t - t0, 1), rss))
                rate = (count - last_count) / (now_t - last_tick)
                print(
                    f"t={now_t - t0:6.1f}s sent={count:7d} rate={rate:7.1f}/s rss_mib={rss}",
                    flush=True,
                )
                last_count, last_tick = count, now_t
                if kill_points and count >= args.count * kill_points[0]:
                    kill_points.pop(0)
                    if args.kill_in == "body":
                        held = kill_between_body_and_record(workers[0], sink)
                    else:
                        workers[0].send_signal(signal.SIGKILL)
                        workers[0].wait()
                        held = set()
                    killed = True
                    time.sleep(0.5)  # the other worker's held message goes out
                    dropped = set(sink.begun_not_received()) - cut
                    if args.kill_in == "body":
                        dropped &= held
                    cut |= dropped
                    kills.append(
                        f"SIGKILL worker pid {workers[0].pid} at sent={count} "
                        f"(mode {args.kill_in}; begun, never received: {sorted(dropped)})"
                    )
                    print(kills[-1], flush=True)
                    workers[0] = subprocess.Popen(argv, env=env, cwd=BASE_DIR)
                    restarted = True
                if killed:  # what the scheduler does every 30 s, here every second
                    services.send_watchdog(stale_after=timedelta(seconds=5))
                edition.refresh_from_db()
                if edition.status == "sent":
                    break
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
        counts = sink.recipients()
        ids = sink.message_ids_by_recipient()
    duration = (last_at or t0) - (first_at or t0)
    total = sum(counts.values())
    statuses = dict(
        Delivery.objects.filter(edition=edition)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    samples = [m for _t, m in memory]
    print("\n== result ==")
    print(
        f"database: {database_url.split('@')[-1]}  workers: {args.workers}  "
        f"SMTP connections per worker: {args.connections}  kill: {killed} restarted: {restarted}"
    )
    print(f"edition status: {edition.status}  deliveries: {statuses}")
    print(
        f"sink: {len(counts)} distinct recipients of {args.count}, {total} messages, "
        f"{sum(1 for c in counts.values() if c > 1)} recipients with 2+ copies, "
        f"{sum(1 for v in ids.values() if len(v) > 1)} with 2+ distinct Message-IDs"
    )
    missing = [
        f"lecteur{i}@bench.test"
        for i in range(args.count)
        if f"lecteur{i}@bench.test" not in counts
    ]
    print(f"skipped (no copy): {len(missing)} {missing[:5]}")
    for line in kills:
        print(line)
    if cut:
        print(
            "copies of the messages cut at a kill, at the end: "
            + ", ".join(f"{r}={counts.get(r, 0)}" for r in sorted(cut))
        )
    print(
        f"throughput: {total / duration if duration else 0:.0f} msg/s over {duration:.1f}s "
        f"(first to last message)"
    )
    for index in range(args.workers):
        series = [s[index] for s in samples if s[index]]
        if series:
            print(
                f"worker {index} RSS MiB: start {series[0]}, max {max(series)}, end {series[-1]}"
            )


if __name__ == "__main__":
    main()
