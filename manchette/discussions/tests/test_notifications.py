"""« Me notifier des … »: double opt-in, notifications of approved comments only,
one-click unsubscribe, and no spam relay."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.forms import form_started_token
from manchette.discussions.models import Comment, Identity, Subscription

pytestmark = pytest.mark.django_db


def _post(client, article, **fields):
    data = {
        "nom": "Camille",
        "courriel": "camille@example.org",
        "consentement": "on",
        "texte": "Bien vu.",
        "debut": form_started_token(),
        "cle": fields.get("texte", ""),
    }
    data.update(fields)
    with override_settings(DISCUSSIONS_MIN_SECONDS=-1):
        return client.post(f"/commentaires/{article.pk}/poster/", data)


def _link(message, prefix):
    return re.search(rf"http://[^\s]+({prefix}[^\s]+/)", message.body).group(1)


def test_reply_notification_after_double_opt_in_and_one_click_unsubscribe(
    client, article, post_moderation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, article, texte="Mon avis", notifier_reponses="on")
    [confirmation] = mail.outbox
    assert (
        confirmation.to == ["camille@example.org"]
        and "Mon avis" not in confirmation.body
    )
    mine = Comment.objects.get()
    other = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            other,
            article,
            nom="Bob",
            courriel="bob@example.org",
            texte="Réponse avant confirmation https://spam.example",
            parent=str(mine.pk),
        )
    assert len(mail.outbox) == 1  # nothing before the address is confirmed
    confirm_url = _link(confirmation, "/commentaires/confirmer/")
    assert (
        "confirmée" not in client.get(confirm_url).content.decode()
    )  # a GET confirms nothing
    assert "confirmée" in client.post(confirm_url).content.decode()
    assert Subscription.objects.get().confirmed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            other,
            article,
            nom="Bob",
            courriel="bob@example.org",
            texte="<b>Réponse</b> https://spam.example",
            parent=str(mine.pk),
        )
    notification = mail.outbox[-1]
    assert notification.to == ["camille@example.org"]
    assert (
        "Réponse" not in notification.body
        and "spam.example" not in notification.body
        and "Bob" not in notification.body
    )
    unsubscribe_url = _link(notification, "/commentaires/desabonner/")
    assert notification.extra_headers["List-Unsubscribe"].endswith(
        unsubscribe_url + ">"
    )
    assert (
        notification.extra_headers["List-Unsubscribe-Post"]
        == "List-Unsubscribe=One-Click"
    )
    assert (
        client.__class__()
        .post(unsubscribe_url, HTTP_SEC_FETCH_SITE="cross-site")
        .status_code
        == 200
    )
    assert not Subscription.objects.exists()


def test_held_comments_notify_only_once_approved(
    client, article, post_moderation, django_capture_on_commit_callbacks
):
    follower = services.identity_create(name="Suiveuse", email="suit@example.org")
    follower.email_confirmed_at = follower.created_at
    follower.save()
    Subscription.objects.create(
        identity=follower,
        article=article,
        kind="article",
        confirmed_at=follower.created_at,
    )
    section = article.get_parent().specific
    section.comment_policy = "pre"
    section.save()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, article, texte="En attente")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(
            comment=Comment.objects.get(), moderator=None, action="approve"
        )
    [message] = mail.outbox
    assert message.to == ["suit@example.org"] and "En attente" not in message.body


def test_confirmation_emails_are_rate_limited_per_address(
    client, article, post_moderation, django_capture_on_commit_callbacks
):
    for n in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            _post(
                client.__class__(),
                article,
                texte=f"Avis {n}",
                notifier_suivi="on",
                cle=str(n),
            )
    assert len(mail.outbox) == 3
    assert Identity.objects.filter(email_confirmed_at__isnull=False).count() == 0


def test_subscribing_needs_an_email_and_an_open_article(
    client, article, post_moderation
):
    response = _post(client, article, courriel="", notifier_suivi="on", texte="Gardé")
    assert response.status_code == 400 and "Gardé" in response.content.decode()
    services.article_comments_close(article=article, closed=True)
    response = _post(client, article, notifier_suivi="on", texte="Fermé")
    assert response.status_code == 400 and not Subscription.objects.exists()


def test_a_task_is_queued_only_for_discussions_someone_follows(article):
    from manchette.discussions.notifications import comment_may_notify
    from manchette.discussions.tests.factories import make_comment, make_identity

    comment = make_comment(article)
    assert not comment_may_notify(comment.pk)
    follower = make_identity(email="suiveur@example.org")
    subscription = Subscription.objects.create(
        identity=follower, article=article, kind="article", frequency="daily"
    )
    assert not comment_may_notify(comment.pk)  # unconfirmed, and a daily digest
    Subscription.objects.filter(pk=subscription.pk).update(
        frequency="instant", confirmed_at=timezone.now()
    )
    assert not comment_may_notify(comment.pk)  # the address is not confirmed yet
    Identity.objects.filter(pk=follower.pk).update(email_confirmed_at=timezone.now())
    assert comment_may_notify(comment.pk)
