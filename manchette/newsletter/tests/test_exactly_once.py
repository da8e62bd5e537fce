"""A send worker killed with SIGKILL midway, then restarted: every subscriber gets
the edition, nobody gets two different copies. The worker is a real process
(`manage.py db_worker`, django-tasks' database backend) sending through Django's
SMTP backend into a real SMTP server on loopback."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from manchette.newsletter import services
from manchette.newsletter.smtp_sink import smtp_sink
from manchette.newsletter.tests.factories import (
    default_list,
    make_edition,
    make_subscribers,
)

SUBSCRIBERS = 240
MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


def _shared_database_url(tmp_path: Path) -> str:
    """A database the worker processes can open: PostgreSQL's test database as it
    is; SQLite's in-memory test database copied to a file."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db["USER"] or "postgres"
        auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
        return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    path = tmp_path / "worker.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def _delivery_statuses(database_url: str, edition_id: int) -> dict[str, int]:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            rows = db.execute(
                "SELECT status, COUNT(*) FROM newsletter_delivery WHERE edition_id = ? "
                "GROUP BY status",
                (edition_id,),
            ).fetchall()
        return dict(rows)
    from django.db.models import Count

    from manchette.newsletter.models import Delivery

    return dict(
        Delivery.objects.filter(edition_id=edition_id)
        .values_list("status")
        .annotate(n=Count("pk"))
    )


def _wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_killed_worker_resumes_with_nobody_skipped_and_nobody_twice(tmp_path, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    make_subscribers(SUBSCRIBERS, newsletter_list=default_list())
    edition = make_edition()
    services.edition_send_start(edition=edition)  # queues the task, commits
    database_url = _shared_database_url(tmp_path)
    with smtp_sink(keep_messages=False) as (sink, port):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "MANCHETTE_TASK_BACKEND": "database",
            "MANCHETTE_NEWSLETTER_SEND_RATE": "120",
            "MANCHETTE_NEWSLETTER_BATCH_SIZE": "25",
        }
        worker_argv = [
            *MANAGE,
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--no-reload",
        ]
        first = subprocess.Popen(worker_argv, env=env, cwd=settings.BASE_DIR)  # noqa: S603
        try:
            _wait_for(
                lambda: len(sink.received) >= SUBSCRIBERS // 3,
                timeout=120,
                what="the first third",
            )
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        sent_before_kill = len(sink.recipients())
        assert 0 < sent_before_kill < SUBSCRIBERS
        subprocess.run(  # noqa: S603 - what the scheduler does every 30 s
            [*MANAGE, "newsletter_watchdog", "--stale-after", "0"],
            env=env,
            cwd=settings.BASE_DIR,
            check=True,
            timeout=120,
        )
        subprocess.run(  # noqa: S603
            worker_argv, env=env, cwd=settings.BASE_DIR, check=True, timeout=180
        )
        message_ids = sink.message_ids_by_recipient()
        raw_copies = sum(sink.recipients().values())
    expected = {f"abonne{i}@exemple.fr" for i in range(SUBSCRIBERS)}
    assert set(message_ids) == expected  # nobody skipped
    assert all(len(ids) == 1 for ids in message_ids.values())  # one message each
    # At most the one message in flight at the kill can have reached the server
    # twice, and then under the same Message-ID (docs/decisions.md).
    assert raw_copies - SUBSCRIBERS <= 1
    assert _delivery_statuses(database_url, edition.pk) == {"sent": SUBSCRIBERS}
