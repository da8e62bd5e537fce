"""Signals that hold a comment, and the moderators' queue in the Wagtail admin."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.models import Comment, ModerationDecision, ModerationRule
from manchette.discussions.notifications import review_token
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


def _post(article, body, *, identity=None, **options):
    options.setdefault("form_age_seconds", 30)
    options.setdefault("ip", "198.51.100.7")
    return services.comment_post(
        article=article, identity=identity or make_identity(), body=body, **options
    )


def test_banned_words_hold_regardless_of_accents_and_case_but_respect_word_boundaries(
    article, post_moderation
):
    ModerationRule.objects.create(kind="word", value="imbécile")
    held = _post(article, "Quel IMBECILE, vraiment.")
    assert held.status == "pending" and "banned_word" in held.signals
    assert _post(article, "Une imbécillité de plus ?").status == "approved"


@pytest.mark.parametrize(
    ("rule", "options", "signal"),
    [
        (
            ("email", "troll@example.net"),
            {"identity_email": "Troll@example.net"},
            "banned_email",
        ),
        (
            ("domain", "spam.example"),
            {"identity_email": "a@spam.example"},
            "banned_domain",
        ),
        (("ip", "192.0.2.66"), {"ip": "192.0.2.66"}, "banned_ip"),
    ],
)
def test_banned_emails_domains_and_addresses_hold(
    article, post_moderation, rule, options, signal
):
    ModerationRule.objects.create(kind=rule[0], value=rule[1])
    email = options.pop("identity_email", "")
    identity = make_identity(email=email) if email else None
    comment = _post(article, "Bonjour", identity=identity, **options)
    assert comment.status == "pending" and signal in comment.signals


def test_links_honeypot_speed_and_duplicates_hold(article, post_moderation):
    links = " ".join(f"https://e{n}.example" for n in range(4))
    assert "too_many_links" in _post(article, links).signals
    trap = _post(article, "Achetez", honeypot="http://spam")
    assert trap.status == "spam"
    assert "too_fast" in _post(article, "Vite", form_age_seconds=0.5).signals
    _post(article, "Le même texte")
    assert "duplicate" in _post(article, "Le même texte").signals


def test_banned_author_is_held_from_then_on(article, post_moderation):
    identity = make_identity()
    comment = _post(article, "Premier", identity=identity)
    services.comment_moderate(
        comment=comment, moderator=None, action="ban", reason="insultes"
    )
    identity.refresh_from_db()
    comment.refresh_from_db()
    assert identity.is_banned and comment.status == "spam"
    assert _post(article, "Encore moi", identity=identity).status == "pending"


def test_queue_shows_signals_and_bulk_decisions_record_who(
    client, editor, article, post_moderation
):
    ModerationRule.objects.create(kind="word", value="arnaque")
    older = _post(article, "Une arnaque")
    newer = _post(article, "Encore une arnaque", ip="198.51.100.8")
    client.force_login(editor)
    html = client.get("/admin/discussions/moderation/").content.decode()
    assert "mot interdit" in html
    assert html.index(f'data-queue-comment="{older.pk}"') < html.index(
        f'data-queue-comment="{newer.pk}"'
    )
    response = client.post(
        "/admin/discussions/moderation/",
        {"ids": [older.pk, newer.pk], "action": "approve"},
    )
    assert response.status_code == 302
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    decision = ModerationDecision.objects.filter(action="approve").first()
    assert decision.moderator == editor


def test_queue_is_for_moderators_only(client, django_user_model, article):
    reader = django_user_model.objects.create_user(username="lecteur", password="x")
    client.force_login(reader)
    assert client.get("/admin/discussions/moderation/").status_code in (302, 403)


def test_removal_sends_a_statement_of_reasons_and_allows_one_review(
    client, editor, article, post_moderation, django_capture_on_commit_callbacks
):
    author = make_identity(
        email="auteur@example.org", email_confirmed_at=timezone.now(), trust="confirmed"
    )
    comment = make_comment(article, identity=author, body="Un propos <b>limite</b>")
    client.force_login(editor)
    assert (
        client.post(
            "/admin/discussions/moderation/?etat=publies",
            {"ids": [comment.pk], "action": "remove"},
        ).status_code
        == 302
    )
    comment.refresh_from_db()
    assert comment.status == "approved"  # a removal without a reason is refused
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/discussions/moderation/?etat=publies",
            {"ids": [comment.pk], "action": "remove", "raison": "Propos injurieux"},
        )
    comment.refresh_from_db()
    assert comment.status == "removed"
    [message] = mail.outbox
    assert message.to == ["auteur@example.org"]
    assert "Propos injurieux" in message.body and "<b>" not in message.body
    url = f"/commentaires/reexamen/{review_token(comment)}/"
    assert url in message.body
    client.logout()
    assert client.post(url, {"texte": "Je conteste"}).status_code == 200
    assert client.post(url, {"texte": "Encore"}).status_code == 400
    comment.refresh_from_db()
    assert comment.review_text == "Je conteste"
    with override_settings():
        assert (
            ModerationDecision.objects.filter(comment=comment, action="review").count()
            == 1
        )
