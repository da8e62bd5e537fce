from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from manchette.core.scheduling import scheduler_tick


class Command(BaseCommand):
    help = "Runs scheduled publishing and the apps' periodic jobs, forever (or --once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or settings.SCHEDULER_INTERVAL_SECONDS
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_runs: dict[str, float] = {}
        while running:
            if not connection.in_atomic_block:  # (a test's transaction, for --once)
                close_old_connections()
            scheduler_tick(last_runs=last_runs)
            if options["once"]:
                return
            deadline = time.monotonic() + interval
            while running and time.monotonic() < deadline:
                time.sleep(0.5)
