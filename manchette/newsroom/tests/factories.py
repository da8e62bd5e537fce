from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from wagtail.models import Site
from wagtail.rich_text import RichText

from manchette.newsroom.models import ArticlePage, Author, HomePage, SectionPage
from manchette.newsroom.services import site_root_ensure
from manchette.topics.models import Topic

_sequence = count(1)


@dataclass
class SiteTree:
    home: HomePage
    sections: dict[str, SectionPage]


def make_site() -> SiteTree:
    root = site_root_ensure()
    home = root.add_child(instance=HomePage(title="Manchette", slug="une-test"))
    Site.objects.all().delete()
    Site.objects.create(
        hostname="testserver",
        port=80,
        root_page=home,
        is_default_site=True,
        site_name="Manchette",
    )
    sections = {}
    for title, slug in [
        ("International", "international"),
        ("France", "france"),
        ("Politique", "politique"),
        ("Économie", "economie"),
        ("Culture", "culture"),
        ("Sport", "sport"),
    ]:
        section = home.add_child(instance=SectionPage(title=title, slug=slug))
        section.save_revision().publish()
        sections[slug] = section
    return SiteTree(home=home, sections=sections)


def make_article(
    section: SectionPage,
    *,
    title: str | None = None,
    paragraphs: list[str] | None = None,
    published_at: datetime | None = None,
    topics: list[Topic] | None = None,
    authors: list[Author] | None = None,
    publish: bool = True,
    **fields: Any,
) -> ArticlePage:
    n = next(_sequence)
    fields.setdefault("live", publish)  # Wagtail pages are live unless told otherwise
    article = ArticlePage(
        title=title or f"Article numéro {n}",
        body=[
            ("paragraph", RichText(f"<p>{escape(p)}</p>"))
            for p in (paragraphs or [f"Texte de l’article {n}."])
        ],
        **fields,
    )
    section.add_child(instance=article)
    if topics:
        article.topics.set(topics)
    if authors:
        article.authors.set(authors)
    if publish:
        article.save_revision().publish()
        at = published_at or timezone.now() - timedelta(minutes=n)
        ArticlePage.objects.filter(pk=article.pk).update(
            first_published_at=at, last_published_at=at
        )
        article.refresh_from_db()
    return article


def make_topic(name: str, **fields: Any) -> Topic:
    return Topic.objects.create(name=name, **fields)


def make_author(name: str = "Hélène Vartanian", slug: str | None = None) -> Author:
    return Author.objects.create(name=name, slug=slug or f"auteur-{next(_sequence)}")
