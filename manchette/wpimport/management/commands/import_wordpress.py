"""manage.py import_wordpress EXPORT.xml [--media DIR] [--dry-run]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from manchette.wpimport.progress import Progress
from manchette.wpimport.services import ImportRefused, wordpress_import
from manchette.wpimport.wxr import WxrError


class Command(BaseCommand):
    help = (
        "Importe un export WordPress (Outils → Exporter) : articles, pages, médias, "
        "rubriques, sujets, auteurs, commentaires et anciennes adresses. Peut être "
        "relancé sans rien dupliquer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "export", type=Path, help="le fichier .xml exporté par WordPress"
        )
        parser.add_argument(
            "--media",
            type=Path,
            default=None,
            help="une copie du dossier wp-content/uploads (images et documents)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="tout lire et tout vérifier, sans rien écrire",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="sans ligne de progression"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = Progress(None if options["no_progress"] else sys.stderr)
        try:
            report = wordpress_import(
                path=Path(options["export"]),
                media_dir=Path(options["media"]) if options["media"] else None,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except (WxrError, ImportRefused) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(report.as_text())
