from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from manchette.newsletter import services
from manchette.newsletter.models import (
    Delivery,
    Edition,
    EditionKind,
    EditionStatus,
    ListKind,
    Suppression,
)
from manchette.newsletter.tests.factories import (
    default_list,
    make_edition,
    make_subscriber,
)
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 3, 10, 8, 0, tzinfo=PARIS)  # after the 7 o'clock default


def _items(edition):
    return [
        (item.heading, item.article.title)
        for item in edition.items.select_related("article").order_by("sort_order")
    ]


def test_daily_digest_groups_the_days_articles_by_section_lead_first(site_tree):
    sections = site_tree.sections
    day = MORNING - timedelta(hours=10)
    make_article(sections["france"], title="Réforme", published_at=day)
    lead = make_article(sections["sport"], title="Victoire", published_at=day)
    make_article(sections["international"], title="Sommet", published_at=day)
    make_article(
        sections["international"],
        title="Élection",
        published_at=day + timedelta(hours=1),
    )
    make_article(
        sections["france"], title="Trop vieux", published_at=MORNING - timedelta(days=2)
    )
    site_tree.home.lead_article = lead
    site_tree.home.save_revision().publish()
    with time_machine.travel(MORNING):
        [edition] = services.editions_compose_due()
        assert services.editions_compose_due() == []  # once a day
    assert edition.status == EditionStatus.DRAFT
    assert edition.kind == EditionKind.DIGEST
    assert edition.newsletter_list == default_list()
    assert "mardi 10 mars 2026" in edition.subject
    assert _items(edition) == [
        ("À la une", "Victoire"),
        ("International", "Élection"),
        ("International", "Sommet"),
        ("France", "Réforme"),
    ]


def test_most_commented_first_when_the_discussions_app_counts(site_tree, monkeypatch):
    from manchette.newsroom import selectors

    day = MORNING - timedelta(hours=5)
    quiet = make_article(site_tree.sections["france"], title="Calme", published_at=day)
    make_article(
        site_tree.sections["france"],
        title="Débat",
        published_at=day - timedelta(hours=1),
    )

    def comment_counts(articles):
        for article in articles:
            article.comment_count = 0 if article.pk == quiet.pk else 42

    monkeypatch.setattr(selectors, "card_annotators", [comment_counts])
    with time_machine.travel(MORNING):
        [edition] = services.editions_compose_due()
    assert [title for _h, title in _items(edition)] == ["Débat", "Calme"]


def test_nothing_is_composed_before_the_hour_or_without_articles(site_tree, settings):
    settings.NEWSLETTER_DIGEST_HOUR = 9
    make_article(
        site_tree.sections["france"], published_at=MORNING - timedelta(hours=3)
    )
    with time_machine.travel(MORNING):
        assert services.editions_compose_due() == []
    settings.NEWSLETTER_DIGEST_HOUR = 7
    with time_machine.travel(MORNING + timedelta(days=3)):
        assert services.editions_compose_due() == []
    assert not Edition.objects.exists()


def test_digest_is_sent_at_once_when_the_newsroom_chose_so(
    site_tree, settings, sink, committed
):
    settings.NEWSLETTER_DIGEST_AUTO_SEND = True
    make_subscriber("matin@exemple.fr", lists=[default_list()])
    make_article(
        site_tree.sections["france"],
        title="Réforme",
        published_at=MORNING - timedelta(hours=3),
    )
    with time_machine.travel(MORNING):
        [edition] = committed(services.editions_compose_due)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
    assert set(sink.recipients()) == {"matin@exemple.fr"}


def test_flash_alert_goes_to_alerts_subscribers(sink, committed):
    from manchette.flashes.services import flash_publish

    make_subscriber("alerte@exemple.fr", lists=[default_list(ListKind.ALERTS)])
    make_subscriber("digest@exemple.fr", lists=[default_list()])
    committed(
        flash_publish,
        text="Séisme au large de la Crète",
        url="https://exemple.fr/seisme",
        is_alert=True,
    )
    edition = Edition.objects.get(kind=EditionKind.ALERT)
    assert set(sink.recipients()) == {"alerte@exemple.fr"}
    assert edition.subject == "Alerte : Séisme au large de la Crète"
    [message] = sink.parsed()
    assert "Séisme" in message["Subject"] or "=?utf-8?" in message["Subject"]


def test_test_send_goes_to_the_editor_only(sink):
    make_subscriber("lecteur@exemple.fr", lists=[default_list()])
    edition = make_edition(subject="Édition spéciale")
    services.edition_test_send(edition=edition, email="redaction@exemple.fr")
    assert set(sink.recipients()) == {"redaction@exemple.fr"}
    assert not Delivery.objects.exists()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT


# Mailgun tracking webhook ---------------------------------------------------------

SIGNING_KEY = "key-de-test-0123456789"


def _mailgun_payload(event: str, recipient: str, delivery_id: int, *, key=SIGNING_KEY):
    timestamp, token = "1700000000", "a" * 50
    signature = hmac.new(
        key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
    ).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": event,
            "severity": "permanent",
            "timestamp": 1700000000.0,
            "id": "evt-1",
            "recipient": recipient,
            "reason": "bounce",
            "user-variables": {"delivery_id": str(delivery_id)},
            "message": {"headers": {"message-id": "x@exemple.fr"}},
        },
    }


@pytest.fixture
def delivered(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    subscriber = make_subscriber("rebond@exemple.fr", lists=[default_list()])
    edition = make_edition(status=EditionStatus.SENT)
    return Delivery.objects.create(
        edition=edition, subscriber=subscriber, email=subscriber.email, status="sent"
    )


@pytest.mark.parametrize(
    ("event", "field", "reason"),
    [("failed", "bounced_at", "bounce"), ("complained", "complained_at", "complaint")],
)
def test_mailgun_webhook_suppresses_bounces_and_complaints(
    client, delivered, event, field, reason
):
    response = client.post(
        reverse("newsletter:webhook-mailgun"),
        data=json.dumps(_mailgun_payload(event, "rebond@exemple.fr", delivered.pk)),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Suppression.objects.get(email="rebond@exemple.fr").reason == reason
    delivered.refresh_from_db()
    assert getattr(delivered, field) is not None
    from manchette.newsletter.selectors import edition_stats

    stats = edition_stats(edition=delivered.edition)
    assert stats["bounced" if reason == "bounce" else "complained"] == 1


def test_mailgun_webhook_with_a_bad_signature_is_refused(client, delivered):
    payload = _mailgun_payload(
        "failed", "rebond@exemple.fr", delivered.pk, key="autre-cle"
    )
    response = client.post(
        reverse("newsletter:webhook-mailgun"),
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Suppression.objects.exists()


def test_mailgun_webhook_is_off_without_a_key(client, settings):
    settings.ANYMAIL = {}
    response = client.post(
        reverse("newsletter:webhook-mailgun"),
        data="{}",
        content_type="application/json",
    )
    assert response.status_code == 404
