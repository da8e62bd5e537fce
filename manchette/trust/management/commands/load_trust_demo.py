"""The trust and audience parts of the demo: legal identity, a correction, a report
waiting, a published droit de réponse, and a month of audience figures. Runs only on
a demo site (newsroom.DemoLoad), and again harmlessly."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from manchette.audience.models import INTERNAL, HourlyViews
from manchette.newsroom.models import ArticlePage, DemoLoad
from manchette.trust import services
from manchette.trust.models import Correction, ErrorReport, LegalIdentity, ReplyRequest

SEED_SLUG = "azerbaidjan-armenie-pourparlers-paix-moscou"
DEMO_LEGAL = {
    "publisher_name": "Manchette démonstration SAS",
    "legal_form": "SAS au capital de 1 000 €",
    "address": "1 rue de l’Exemple\n75000 Paris",
    "telephone": "01 00 00 00 00",
    "email": "editeur@manchette.example",
    "registration": "RCS Paris 000 000 000 (fictif)",
    "publication_director": "Hélène Vartanian",
    "editor_in_chief": "Karim Benali",
    "host_name": "Hébergeur de démonstration",
    "host_address": "2 rue des Serveurs\n59100 Roubaix",
    "host_telephone": "03 00 00 00 00",
    "reply_contact": "droit-de-reponse@manchette.example",
}
REFERRERS = ["", INTERNAL, "google.com", "qwant.com", "mastodon.social", "bsky.app"]


class Command(BaseCommand):
    help = "Adds the trust and audience demo content to the demo site (never to a real one)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not DemoLoad.objects.exists():
            self.stdout.write("Pas un site de démonstration : rien à faire.")
            return
        articles = list(ArticlePage.objects.live().order_by("-first_published_at"))
        if not articles:
            self.stdout.write("Aucun article : chargez d’abord la démonstration.")
            return
        seed = next((a for a in articles if a.slug == SEED_SLUG), articles[0])
        with transaction.atomic():
            self._legal()
            self._correction(seed)
            self._report(articles)
            self._reply(articles)
            self._audience(articles)
        self.stdout.write(
            self.style.SUCCESS("Démonstration « confiance et audience » prête.")
        )

    def _legal(self) -> None:
        legal = LegalIdentity.load()
        for name, value in DEMO_LEGAL.items():
            if not getattr(legal, name):
                setattr(legal, name, value)
        legal.save()

    def _correction(self, seed: ArticlePage) -> None:
        if Correction.objects.filter(article=seed).exists():
            return
        services.correction_add(
            article=seed,
            kind="precision",
            text=(
                "Une première version de cet article situait la réunion au ministère "
                "russe de la Défense ; elle s’est tenue au ministère des Affaires étrangères."
            ),
            author=None,
            made_at=timezone.now() - timedelta(hours=3),
        )

    def _report(self, articles: list[ArticlePage]) -> None:
        if ErrorReport.objects.exists():
            return
        services.error_report_submit(
            article=articles[min(1, len(articles) - 1)],
            passage="le 12 octobre",
            problem="La date est fausse : c’était le 11 octobre.",
        )

    def _reply(self, articles: list[ArticlePage]) -> None:
        if ReplyRequest.objects.exists() or len(articles) < 3:
            return
        reply = services.reply_request_submit(
            article=articles[2],
            name="Association des riverains du port",
            capacity="Association citée dans l’article",
            email="contact@riverains.example",
            postal_address="3 quai du Port, 13002 Marseille",
            contested_passage="Les riverains se sont opposés au projet.",
            reply_text=(
                "Notre association ne s’est pas opposée au projet : elle a demandé une "
                "étude d’impact."
            ),
            idempotency_key="demo-droit-de-reponse-0001",
        )
        services.reply_request_publish(reply=reply, user=None)

    def _audience(self, articles: list[ArticlePage]) -> None:
        if HourlyViews.objects.exists():
            return
        rng = random.Random(9)  # same figures every time
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        rows = []
        for hours_ago in range(30 * 24):
            hour = now - timedelta(hours=hours_ago)
            daytime = 1.0 if 7 <= timezone.localtime(hour).hour <= 23 else 0.25
            for rank, article in enumerate(articles[:20]):
                weight = daytime * 40 / (rank + 1.5)
                for referrer in REFERRERS:
                    views = int(rng.random() * weight / 2)
                    if views:
                        rows.append(
                            HourlyViews(
                                hour=hour,
                                article=article,
                                referrer=referrer,
                                views=views,
                            )
                        )
        HourlyViews.objects.bulk_create(rows, batch_size=2000)
