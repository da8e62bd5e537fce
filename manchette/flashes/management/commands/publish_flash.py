"""`manage.py publish_flash "texte" [--url …] [--level urgent] [--alert]`: for scripts
and wire feeds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from manchette.flashes.models import FlashLevel
from manchette.flashes.services import flash_publish


class Command(BaseCommand):
    help = "Publie un flash info (bandeau de toutes les pages, poussé en direct)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("text", help="Texte du flash (280 caractères au plus).")
        parser.add_argument("--url", default="", help="Lien du flash.")
        parser.add_argument(
            "--level", choices=FlashLevel.values, default=FlashLevel.INFO
        )
        parser.add_argument(
            "--alert", action="store_true", help="Envoyer aussi l’alerte par courriel."
        )
        parser.add_argument(
            "--hours", type=int, default=None, help="Durée dans le bandeau (heures)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        try:
            flash = flash_publish(
                text=options["text"],
                url=options["url"],
                level=options["level"],
                is_alert=options["alert"],
                expire_at=timezone.now() + timedelta(hours=hours) if hours else None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Flash {flash.pk} publié."))
