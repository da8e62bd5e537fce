"""`make run`: the page server, the task worker and the scheduler, supervised together,
so that what a newsroom tries on a laptop is what it deploys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)


def page_server_argv(*, host: str, port: int, workers: int) -> list[str]:
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        # uvloop: a comment post costs the page server about a sixth less CPU than
        # on asyncio's loop, every request's hop into Django's threads being cheaper
        # (docs/decisions.md).
        "--loop",
        "uvloop",
        "--backlog",
        "2048",
        # Each open event stream holds one request slot: allow thousands per worker.
        "--backpressure",
        os.environ.get("GRANIAN_BACKPRESSURE", "10000"),
        "--static-path-route",
        "/static",
        "--static-path-mount",
        str(settings.STATIC_ROOT),
        "--static-path-route",
        "/media",
        "--static-path-mount",
        str(settings.MEDIA_ROOT),
        "--static-path-expires",
        "365d",
        "--workers-kill-timeout",
        "10",
        "--no-access-log",
        "config.asgi:application",
    ]


def task_worker_argv() -> list[str]:
    if settings.TASK_BACKEND == "rq":
        # django-tasks-rq's job class runs the task objects that the queue holds.
        return [
            *MANAGE,
            "rqworker",
            "default",
            "--with-scheduler",
            "--job-class",
            "django_tasks_rq.backend.Job",
        ]
    return [*MANAGE, "db_worker", "--queue-name", "*", "--interval", "0.5"]


class Command(BaseCommand):
    help = "Serves the site (granian, ASGI) with its task worker and scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Pages only (production runs the worker apart).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        children = [
            Child(
                "pages",
                page_server_argv(
                    host=options["host"],
                    port=options["port"],
                    workers=options["workers"],
                ),
            )
        ]
        if not options["no_worker"]:
            children += [
                Child("tasks", task_worker_argv()),
                Child("scheduler", [*MANAGE, "run_scheduler"]),
            ]
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.process = subprocess.Popen(child.argv)  # noqa: S603 - our own argv
        self.stdout.write(
            self.style.SUCCESS(
                f"Manchette : http://{options['host']}:{options['port']}/  (Ctrl+C pour arrêter)"
            )
        )
        try:
            while not stopping:
                time.sleep(0.5)
                for child in children:
                    if child.process is not None and child.process.poll() is not None:
                        self._restart(child)
        finally:
            for child in children:
                if child.process is not None and child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
            for child in children:
                if child.process is not None:
                    try:
                        child.process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        child.process.kill()

    def _restart(self, child: Child) -> None:
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < 60] + [now]
        if len(child.restarts) > 5:
            raise SystemExit(f"{child.name} keeps stopping; see the messages above.")
        self.stderr.write(
            f"{child.name} stopped (code {child.process.returncode if child.process else '?'}); restarting."
        )
        time.sleep(1)
        child.process = subprocess.Popen(child.argv)  # noqa: S603
