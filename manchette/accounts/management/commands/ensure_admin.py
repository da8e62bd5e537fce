from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

CREDENTIALS_FILE = settings.VAR_DIR / "admin-credentials.txt"


class Command(BaseCommand):
    help = "Creates the first admin account of a local install (once) and prints its login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"]
        if not User.objects.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username=username, email="", password=password
            )
            CREDENTIALS_FILE.write_text(f"{username}\n{password}\n")
            CREDENTIALS_FILE.chmod(0o600)
        if CREDENTIALS_FILE.exists():
            user, password = CREDENTIALS_FILE.read_text().split()[:2]
            self.stdout.write(
                self.style.SUCCESS(
                    f"Administration : {settings.SITE_URL}/{settings.ADMIN_PATH}/  "
                    f"identifiant « {user} », mot de passe « {password} »"
                )
            )
        else:
            self.stdout.write(
                f"Le compte « {username} » existe déjà (mot de passe inchangé)."
            )
