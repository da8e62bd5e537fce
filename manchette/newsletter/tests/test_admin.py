from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from manchette.newsletter import services
from manchette.newsletter.models import EditionItem, EditionStatus, ListEvent
from manchette.newsletter.tests.factories import (
    default_list,
    make_edition,
    make_subscriber,
    make_subscribers,
)
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, editor):
    editor.email = "redaction@exemple.fr"
    editor.save()
    client.force_login(editor)
    return client


def test_editions_list_links_to_each_dashboard(admin_client):
    edition = make_edition(subject="Spéciale élections")
    html = admin_client.get(reverse("newsletter_editions:index")).content.decode()
    assert "Spéciale élections" in html
    assert reverse("newsletter_editions:dashboard", args=[edition.pk]) in html


def test_dashboard_previews_html_and_text(admin_client, site_tree):
    article = make_article(site_tree.sections["culture"], title="Festival d’automne")
    edition = make_edition(subject="Week-end culture")
    EditionItem.objects.create(edition=edition, article=article, heading="Culture")
    page = admin_client.get(reverse("newsletter_editions:dashboard", args=[edition.pk]))
    assert page.status_code == 200
    assert "Envoyer maintenant" in page.content.decode()
    html = admin_client.get(
        reverse("newsletter_editions:preview", args=[edition.pk, "html"])
    )
    assert "Festival d’automne" in html.content.decode()
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    text = admin_client.get(
        reverse("newsletter_editions:preview", args=[edition.pk, "text"])
    )
    assert text["Content-Type"].startswith("text/plain")
    assert "Festival d’automne" in text.content.decode()


def test_test_send_goes_to_the_editor(admin_client):
    make_subscriber(lists=[default_list()])
    edition = make_edition(subject="Essai")
    admin_client.post(
        reverse("newsletter_editions:action", args=[edition.pk]), {"action": "test"}
    )
    [message] = mail.outbox
    assert message.to == ["redaction@exemple.fr"]
    assert message.subject == "[TEST] Essai"
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT


def test_send_then_progress_json_then_stats(admin_client, committed):
    make_subscribers(5, newsletter_list=default_list())
    edition = make_edition()
    url = reverse("newsletter_editions:action", args=[edition.pk])
    committed(admin_client.post, url, {"action": "send"})
    progress = admin_client.get(
        reverse("newsletter_editions:progress", args=[edition.pk])
    ).json()
    assert progress["status"] == "sent"
    assert (progress["sent"], progress["total"], progress["failed"]) == (5, 5, 0)
    assert progress["stats"]["delivered"] == 5
    assert len(mail.outbox) == 5


def test_schedule_from_the_dashboard(admin_client):
    edition = make_edition()
    admin_client.post(
        reverse("newsletter_editions:action", args=[edition.pk]),
        {"action": "schedule", "at": "2099-01-01T07:30"},
    )
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SCHEDULED
    assert edition.scheduled_at.year == 2099


def test_pause_and_resume_from_the_dashboard(admin_client):
    edition = make_edition(status=EditionStatus.SENDING)
    url = reverse("newsletter_editions:action", args=[edition.pk])
    admin_client.post(url, {"action": "pause"})
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PAUSED
    admin_client.post(url, {"action": "resume"})
    edition.refresh_from_db()
    assert edition.status in (EditionStatus.SENDING, EditionStatus.SENT)


def test_growth_chart_is_inline_svg(admin_client):
    subscriber = make_subscriber()
    services.subscriber_lists_update(
        subscriber=subscriber, list_ids=[default_list().pk]
    )
    assert ListEvent.objects.count() == 1
    html = admin_client.get(reverse("newsletter_growth:index")).content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "L’essentiel du jour" in html


def test_readers_cannot_open_the_dashboard(client, django_user_model):
    reader = django_user_model.objects.create_user(username="lecteur", password="x")
    client.force_login(reader)
    edition = make_edition()
    response = client.get(reverse("newsletter_editions:dashboard", args=[edition.pk]))
    assert response.status_code in (302, 403)
