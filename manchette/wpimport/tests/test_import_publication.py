"""Imported articles are published as if an editor had published them: each has its
live revision, is served, listed in its section, la Une's feeds and the sitemap, and
found by the search."""

from __future__ import annotations

import pytest
from wagtail.models import PageLogEntry

from manchette.newsroom.models import ArticlePage

pytestmark = pytest.mark.django_db


def test_each_published_article_has_its_live_revision(imported):
    live = ArticlePage.objects.live().filter(wordpress_mapping_exists()).specific()
    assert live.count() >= 18
    for article in live:
        assert article.live_revision_id == article.latest_revision_id
        assert not article.has_unpublished_changes
        as_published = article.live_revision.as_object()
        assert (as_published.title, list(as_published.body.raw_data)) == (
            article.title,
            list(article.body.raw_data),
        )
        assert list(as_published.authors.all()) == list(article.authors.all())
        assert article.first_published_at is not None
        assert article.url_path.endswith(f"/{article.slug}/")
    # An import of thousands of pages writes no log entry per page.
    assert not PageLogEntry.objects.filter(page__in=live).exists()


def wordpress_mapping_exists():
    from django.db.models import Exists, OuterRef

    from manchette.wpimport.models import WordPressItem

    return Exists(WordPressItem.objects.filter(kind="post", object_id=OuterRef("pk")))


def test_imported_articles_are_served_listed_in_feeds_sitemap_and_search(
    imported, client
):
    article = (
        ArticlePage.objects.live()
        .filter(wordpress_mapping_exists())
        .order_by("-first_published_at")
        .first()
    )
    assert article is not None
    url = article.get_url()
    page = client.get(url)
    assert page.status_code == 200
    assert article.title in page.content.decode()
    section = client.get(article.get_parent().get_url())
    assert article.title in section.content.decode()
    assert url in client.get("/flux/rss/").content.decode()
    assert url in client.get("/sitemap.xml").content.decode()
    found = client.get("/recherche/", {"q": article.title})
    assert article.title in found.content.decode()
