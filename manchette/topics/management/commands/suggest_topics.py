"""`manage.py suggest_topics FILE` (or `-` for standard input): the topics Manchette
would suggest for a text, as JSON, for scripts and for evaluating the suggestions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from manchette.topics.selectors import topics_found_in_text
from manchette.topics.services import found_as_json


class Command(BaseCommand):
    help = (
        "Affiche en JSON les sujets suggérés pour un texte (FILE, ou - pour l’entrée "
        "standard) : sujet, type, connu ou nouveau, mots trouvés."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="fichier texte UTF-8, ou - pour l’entrée standard"
        )
        parser.add_argument(
            "--known-only",
            action="store_true",
            help="seulement les sujets connus (sans le modèle de langue)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = (
                sys.stdin.read()
                if source == "-"
                else Path(source).read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Lecture impossible de {source} : {error}") from error
        found = topics_found_in_text(
            text=text, with_new_entities=not options["known_only"]
        )
        self.stdout.write(
            json.dumps(found_as_json(found), ensure_ascii=False, indent=2)
        )
