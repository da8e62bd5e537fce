from __future__ import annotations

import json
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from manchette.flashes.services import flash_publish
from manchette.live.blog import live_entry_delete, live_entry_post, live_entry_update
from manchette.live.models import LiveEntry, LiveEvent
from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db

HAS_LIVE_STATUS = any(f.name == "live_status" for f in ArticlePage._meta.get_fields())
needs_live_status = pytest.mark.skipif(
    not HAS_LIVE_STATUS, reason="ArticlePage.live_status is not in newsroom yet"
)


@pytest.fixture
def live_article(site_tree):
    article = make_article(
        site_tree.sections["international"], title="Séisme : le direct"
    )
    article.live_status = "live"  # the field, or (before it exists) this instance only
    if HAS_LIVE_STATUS:
        article.save_revision().publish()
    LiveEvent.objects.all().delete()  # the « live » status event: not under test here
    return article


def blog_events(article):
    return list(
        LiveEvent.objects.filter(channel=f"article:{article.pk}:blog")
        .order_by("id")
        .values_list("event", "data")
    )


def render_blog(article):
    request = RequestFactory().get(article.url)
    return render_to_string(
        "live/blog.html",
        {"page": article, "request": request, "canonical_url": "https://x.test/a/"},
    )


def test_an_entry_is_pushed_to_open_pages_and_rendered_newest_first(live_article):
    older = live_entry_post(
        article=live_article, quote="« Nous tiendrons »", quote_source="Le maire"
    )
    entry = live_entry_post(
        article=live_article, text="Une réplique ressentie à 14 h.", pinned=True
    )
    events = blog_events(live_article)
    assert [e for e, _ in events] == ["entry", "entry"]
    assert events[-1][1]["id"] == entry.pk
    assert f'id="entree-{entry.pk}"' in events[-1][1]["html"]
    assert events[-1][1]["summary"] == "Une réplique ressentie à 14 h."
    html = render_blog(live_article)
    assert "En direct" in html
    assert html.index(f"entree-{entry.pk}") < html.index(f"entree-{older.pk}")
    assert "L’essentiel" in html
    assert "«\u202fNous tiendrons\u202f»" in html
    [ld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(ld)
    assert data["@type"] == "LiveBlogPosting"
    assert data["liveBlogUpdate"][0]["url"] == f"https://x.test/a/#entree-{entry.pk}"


def test_entries_can_be_corrected_or_deleted(live_article):
    flash = flash_publish(text="Nouvelle secousse")
    older = live_entry_post(article=live_article, text="Premier bilan")
    newer = live_entry_post(article=live_article, flash=flash)
    assert "Nouvelle secousse" in render_blog(live_article)
    live_entry_update(entry=older, text="Premier bilan corrigé")
    live_entry_delete(entry=newer)
    html = render_blog(live_article)
    assert "Premier bilan corrigé" in html
    assert "corrigée" in html
    assert f"entree-{newer.pk}" not in html
    assert [e for e, _ in blog_events(live_article)] == [
        "entry",
        "entry",
        "entry-update",
        "entry-delete",
    ]


def test_an_empty_entry_is_refused(live_article):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        live_entry_post(article=live_article, text="")
    assert LiveEntry.objects.count() == 0
    assert blog_events(live_article) == []


def test_an_ended_live_says_so(live_article):
    live_entry_post(article=live_article, text="Dernière entrée.")
    live_article.live_status = "ended"
    html = render_blog(live_article)
    assert "Ce direct est terminé." in html
    assert 'data-live-ended role="status">Ce direct est terminé.' in html


@needs_live_status
def test_the_article_page_shows_its_live_blog_and_refreshes_from_cache(
    client, live_article, django_capture_on_commit_callbacks
):
    assert (
        "Les premières entrées arrivent."
        in client.get(live_article.url).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        live_entry_post(article=live_article, text="Nouvelle entrée")
    assert "Nouvelle entrée" in client.get(live_article.url).content.decode()
    live_article.live_status = "ended"
    live_article.save_revision().publish()
    assert blog_events(live_article)[-1] == ("status", {"status": "ended"})


def test_an_ordinary_article_has_no_live_blog(client, site_tree):
    article = make_article(site_tree.sections["france"])
    assert "data-live-blog" not in client.get(article.url).content.decode()


def test_editor_adds_an_entry_in_the_admin(client, editor, live_article):
    client.force_login(editor)
    assert client.get("/admin/snippets/live/liveentry/add/").status_code == 200
    response = client.post(
        "/admin/snippets/live/liveentry/add/",
        {"article": live_article.pk, "text": "Depuis l’admin", "link_url": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = LiveEntry.objects.get()
    assert blog_events(live_article)[-1][1]["id"] == entry.pk
