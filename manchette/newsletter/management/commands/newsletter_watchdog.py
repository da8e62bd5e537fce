"""What the scheduler runs every 30 seconds, by hand: start due editions, release
the claims of dead send workers, queue workers where none is running."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from manchette.newsletter.services import send_watchdog


class Command(BaseCommand):
    help = "Reprend les envois de lettres interrompus (workers arrêtés)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            help="Secondes de silence après lesquelles un worker est tenu pour mort "
            "(par défaut MANCHETTE_NEWSLETTER_LEASE_SECONDS). 0 : tous, quand on "
            "sait qu’aucun ne tourne.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale = options["stale_after"]
        send_watchdog(stale_after=None if stale is None else timedelta(seconds=stale))
