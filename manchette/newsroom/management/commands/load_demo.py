"""Demo content for a new, empty site: the seed article and about thirty others.

Running it again changes nothing; on a site that holds real content it refuses."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from manchette.newsroom.demo import articles as demo
from manchette.newsroom.demo.images import illustration_jpeg
from manchette.newsroom.models import (
    ArticlePage,
    Author,
    DemoLoad,
    HomePage,
    SectionPage,
    SiteIdentity,
    StaticPage,
)
from manchette.newsroom.services import site_root_ensure
from manchette.topics.models import Topic

SEED_FILE = Path(demo.__file__).parent / "seed_article.json"


def paragraph(text: str) -> tuple[str, RichText]:
    return ("paragraph", RichText(f"<p>{escape(text)}</p>"))


def publish(page: Page, *, at: datetime) -> None:
    page.save_revision().publish()
    type(page).objects.filter(pk=page.pk).update(
        first_published_at=at, last_published_at=at
    )


class Command(BaseCommand):
    help = "Loads the demo content into an empty site (never into a real one)."

    def handle(self, *args: Any, **options: Any) -> None:
        if DemoLoad.objects.exists():
            self.stdout.write("Contenu de démonstration déjà chargé : rien à faire.")
            return
        if ArticlePage.objects.exists() or SectionPage.objects.exists():
            raise CommandError(
                "Ce site contient déjà des rubriques ou des articles : la démonstration ne se "
                "charge que dans un site vide, pour ne jamais toucher un vrai site."
            )
        with transaction.atomic():
            self._load()
            DemoLoad.objects.create()
        self.stdout.write(
            self.style.SUCCESS(
                f"Démonstration chargée : {ArticlePage.objects.count()} articles."
            )
        )

    def _load(self) -> None:
        rng = random.Random(2020)  # same demo every time
        home = self._home()
        sections = {}
        for title, slug, intro in demo.SECTIONS:
            section = home.add_child(
                instance=SectionPage(title=title, slug=slug, intro=intro)
            )
            publish(section, at=timezone.now() - timedelta(days=60))
            sections[slug] = section
        authors = {
            slug: Author.objects.create(name=name, slug=slug, role=role)
            for name, slug, role in demo.AUTHORS
        }
        topics = {
            name: Topic.objects.create(
                name=name, kind=kind, aliases=aliases, description=description
            )
            for name, kind, aliases, description in demo.TOPICS
        }
        images = [self._image(seed=i) for i in range(8)]
        now = timezone.now()
        for i, (
            section,
            kicker,
            title,
            standfirst,
            topic_names,
            author_slugs,
            paragraphs,
        ) in enumerate(demo.ARTICLES):
            body: list[Any] = [paragraph(p) for p in paragraphs]
            if i % 4 == 1:
                body.insert(2, ("quote", {"text": paragraphs[1], "attribution": ""}))
            if i % 5 == 0:
                body.insert(
                    1, ("heading", {"text": "Ce qu’il faut retenir", "level": "h2"})
                )
            article = ArticlePage(
                title=title,
                kicker=kicker,
                standfirst=standfirst,
                body=body,
                hero_image=images[i % len(images)] if i % 3 != 2 else None,
                hero_caption="Illustration de démonstration, générée localement."
                if i % 3 != 2
                else "",
                hero_credit="Manchette" if i % 3 != 2 else "",
                source_credit="avec AFP" if i % 2 == 0 else "",
            )
            sections[section].add_child(instance=article)
            article.authors.set([authors[a] for a in author_slugs])
            article.topics.set([topics[t] for t in topic_names])
            publish(
                article, at=now - timedelta(hours=5 + i * 9, minutes=rng.randrange(60))
            )
        seed = self._seed_article(sections["international"], topics, authors, images[3])
        home.lead_article = seed
        publish(home, at=now - timedelta(days=60))
        for title, slug, text in self._static_pages():
            page = home.add_child(
                instance=StaticPage(title=title, slug=slug, body=text)
            )
            publish(page, at=now - timedelta(days=60))
        identity = SiteIdentity.load()
        identity.tagline = "L’information indépendante, sans traceur."
        identity.contact_email = "redaction@manchette.example"
        identity.facebook = "https://www.facebook.com/manchette.example"
        identity.x = "https://x.com/manchette_example"
        identity.instagram = "https://www.instagram.com/manchette.example"
        identity.youtube = "https://www.youtube.com/@manchette-example"
        identity.linkedin = "https://www.linkedin.com/company/manchette-example"
        identity.mastodon = "https://mastodon.social/@manchette_example"
        identity.bluesky = "https://bsky.app/profile/manchette.example"
        identity.save()

    def _home(self) -> HomePage:
        root = site_root_ensure()
        home = root.add_child(
            instance=HomePage(title=settings.WAGTAIL_SITE_NAME, slug="une")
        )
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={
                "hostname": "localhost",
                "port": 80,
                "root_page": home,
                "site_name": settings.WAGTAIL_SITE_NAME,
            },
        )
        if old_root is not None and old_root.specific_class != HomePage:
            old_root.delete()
        return home

    def _image(self, *, seed: int) -> Any:
        data = illustration_jpeg(seed=seed)
        from io import BytesIO

        image = get_image_model()(
            title=f"Illustration de démonstration {seed + 1}",
            file=ImageFile(BytesIO(data), name=f"demo-{seed + 1}.jpg"),
        )
        image.save()
        return image

    def _seed_article(
        self,
        section: SectionPage,
        topics: dict[str, Topic],
        authors: dict[str, Author],
        image: Any,
    ) -> ArticlePage:
        seed = json.loads(SEED_FILE.read_text())
        body = [
            paragraph(p.replace("[[", "").replace("]]", ""))
            for p in seed["body_paragraphs"]
        ]
        article = ArticlePage(
            title=seed["title"],
            slug="azerbaidjan-armenie-pourparlers-paix-moscou",
            kicker=seed["kicker"],
            standfirst="Les ministres des Affaires étrangères des deux pays sont attendus à Moscou pour des consultations sous l’égide du Kremlin.",
            body=body,
            hero_image=image,
            hero_caption="Illustration de démonstration, générée localement.",
            hero_credit="Manchette",
            source_credit="avec AFP",
        )
        section.add_child(instance=article)
        article.authors.set([authors["helene-vartanian"]])
        article.topics.set(
            [topics[name] for name in demo.SEED_TOPIC_NAMES]
            + [topics["OSCE"], topics["Vladimir Poutine"]]
        )
        published = self._last_friday_at(14, 5)
        publish(article, at=published)
        ArticlePage.objects.filter(pk=article.pk).update(
            updated_at=published + timedelta(hours=2, minutes=15),
            update_note="Ajout de la confirmation de la porte-parole du ministère russe des Affaires étrangères.",
        )
        return article

    @staticmethod
    def _last_friday_at(hour: int, minute: int) -> datetime:
        paris = ZoneInfo(settings.TIME_ZONE)
        now = timezone.now().astimezone(paris)
        day = now - timedelta(days=(now.weekday() - 4) % 7)
        at = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return at if at <= now else at - timedelta(days=7)

    @staticmethod
    def _static_pages() -> list[tuple[str, str, str]]:
        """The legal notice and the privacy policy are generated by the trust app
        from its settings; only the contact page is an editor's page."""
        return [
            (
                "Contact",
                "contact",
                "<p>Écrivez à la rédaction : redaction@manchette.example.</p><p>Pour signaler une erreur, utilisez le lien sous chaque article.</p>",
            ),
        ]
