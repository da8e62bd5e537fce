from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from manchette.flashes.models import Flash
from manchette.flashes.services import flash_publish, flash_withdraw
from manchette.live.selectors import event_last_id
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_active_json_lists_current_flashes_newest_first_with_the_last_event_id(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = flash_publish(text="Ancien")
        Flash.objects.filter(pk=old.pk).update(
            first_published_at=timezone.now() - timedelta(minutes=5)
        )
        new = flash_publish(text="Nouveau", level="urgent", url="https://example.org/")
        gone = flash_publish(text="Retiré")
        flash_withdraw(flash=gone)
    response = client.get("/flashs/actifs.json")
    body = response.json()
    assert [f["id"] for f in body["flashes"]] == [new.pk, old.pk]
    assert body["flashes"][0]["url"] == "https://example.org/"
    assert body["last_event_id"] == event_last_id()
    # Cached like a page, and refreshed by the next flash.
    assert client.get("/flashs/actifs.json")["X-Cache"] == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        flash_publish(text="Encore")
    assert len(client.get("/flashs/actifs.json").json()["flashes"]) == 3


def test_every_page_has_an_empty_banner_that_the_script_fills(client, site_tree):
    flash_publish(text="Ne doit pas être dans la page en cache")
    html = client.get("/").content.decode()
    assert "data-flash-banner" in html
    assert 'role="status"' in html
    assert "Ne doit pas être dans la page en cache" not in html
    assert 'href="/flashs/"' in html  # without JavaScript: the archive


def test_archive_lists_flashes_by_day_with_links_and_a_feed(client, site_tree):
    article = make_article(site_tree.sections["france"], title="L’article lié")
    flash = flash_publish(text="Avec un article", article=article)
    withdrawn = flash_publish(text="Retiré de l’archive")
    flash_withdraw(flash=withdrawn)
    html = client.get("/flashs/").content.decode()
    assert "Avec un article" in html
    assert f'id="flash-{flash.pk}"' in html
    assert article.url in html
    assert "Retiré de l’archive" not in html
    feed = feedparser.parse(client.get("/flashs/rss/").content)
    assert [e.title for e in feed.entries] == ["Avec un article"]


def test_editor_publishes_a_flash_from_the_quick_form(client, editor):
    client.force_login(editor)
    page = client.get("/admin/flashs/publier/")
    assert page.status_code == 200
    assert "Publier un flash" in page.content.decode()
    response = client.post(
        "/admin/flashs/publier/",
        {"text": "Vote de confiance rejeté", "level": "urgent", "duration": "3"},
        follow=True,
    )
    flash = Flash.objects.get()
    assert flash.live and flash.level == "urgent"
    assert timedelta(hours=2) < flash.expire_at - timezone.now() <= timedelta(hours=3)
    assert "Vote de confiance rejeté" in response.content.decode()
    client.post(f"/admin/flashs/{flash.pk}/retirer/")
    flash.refresh_from_db()
    assert not flash.live


def test_quick_form_keeps_the_text_and_explains_an_error(client, editor):
    client.force_login(editor)
    text = "x" * 300
    response = client.post(
        "/admin/flashs/publier/", {"text": text, "level": "info", "duration": "6"}
    )
    assert response.status_code == 200
    assert Flash.objects.count() == 0
    assert text in response.content.decode()


def test_readers_cannot_reach_the_quick_form(client):
    response = client.get("/admin/flashs/publier/")
    assert response.status_code in (302, 403)
    assert Flash.objects.count() == 0
