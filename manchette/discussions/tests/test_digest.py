"""« Un résumé par jour »: daily subscribers get one digest a day with the count of
what is new, never a reader's text, and nothing instantly."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from manchette.core.scheduling import periodic_jobs, scheduler_tick
from manchette.discussions import notifications, services
from manchette.discussions.models import Subscription
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


def _subscriber(article, *, kind="article", frequency="daily", email):
    identity = make_identity(
        name=email.split("@")[0], email=email, email_confirmed_at=timezone.now()
    )
    Subscription.objects.create(
        identity=identity,
        article=article,
        kind=kind,
        frequency=frequency,
        confirmed_at=timezone.now(),
        last_sent_at=timezone.now(),
    )
    return identity


def _approve_new(article, body, **options):
    comment = services.comment_post(
        article=article,
        identity=options.pop("identity", None) or make_identity(),
        body=body,
        ip="198.51.100.7",
        form_age_seconds=30,
        **options,
    )
    assert comment.status == "approved"
    return comment


def test_daily_subscribers_get_one_digest_a_day_and_instant_ones_each_comment(
    article, post_moderation, django_capture_on_commit_callbacks
):
    daily = _subscriber(article, email="quotidien@example.org")
    _subscriber(article, frequency="instant", email="instant@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _approve_new(article, "Premier <b>avis</b>")
        _approve_new(article, "Le mien", identity=daily)  # one's own: not news
        make_comment(article, status="pending", body="En attente")
    assert [m.to for m in mail.outbox] == [["instant@example.org"]] * 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.daily_digests_send() == 0  # not a day yet
    with (
        time_machine.travel(timezone.now() + timedelta(hours=24)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications.daily_digests_send() == 1
        assert notifications.daily_digests_send() == 0  # claimed: sent once
    [digest] = mail.outbox
    assert digest.to == ["quotidien@example.org"]
    assert "1 nouveau(x) commentaire(s)" in digest.body
    assert "avis" not in digest.body and "Le mien" not in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with (
        time_machine.travel(timezone.now() + timedelta(hours=48)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications.daily_digests_send() == 0  # nothing new since


def test_a_daily_replies_digest_counts_only_replies_to_the_readers_comments(
    article, post_moderation, django_capture_on_commit_callbacks
):
    author = _subscriber(article, kind="replies", email="auteur@example.org")
    mine = make_comment(article, identity=author, body="Mon avis")
    other = make_comment(article, body="Un autre avis")
    with django_capture_on_commit_callbacks(execute=True):
        _approve_new(article, "Réponse 1", parent=mine)
        _approve_new(article, "Réponse 2", parent=mine)
        _approve_new(article, "Ailleurs", parent=other)
    assert mail.outbox == []  # daily: nothing at once
    with (
        time_machine.travel(timezone.now() + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications.daily_digests_send() == 1
    assert "2 nouvelle(s) réponse(s)" in mail.outbox[0].body


def test_the_digest_is_a_periodic_job_of_the_scheduler(
    article, post_moderation, django_capture_on_commit_callbacks
):
    assert "discussions : résumés quotidiens" in {job.name for job in periodic_jobs()}
    _subscriber(article, email="quotidien@example.org")
    _approve_new(article, "Du nouveau")
    with (
        time_machine.travel(timezone.now() + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        scheduler_tick(last_runs={})
    assert [m.to for m in mail.outbox] == [["quotidien@example.org"]]


def test_the_form_offers_instant_or_daily_and_keeps_the_choice(
    client, article, post_moderation
):
    from django.test import override_settings

    from manchette.discussions.forms import form_started_token

    assert "un résumé par jour" in client.get(article.url).content.decode()
    with override_settings(DISCUSSIONS_MIN_SECONDS=-1):
        client.post(
            f"/commentaires/{article.pk}/poster/",
            {
                "nom": "Camille",
                "courriel": "camille@example.org",
                "consentement": "on",
                "texte": "Je suivrai.",
                "debut": form_started_token(),
                "notifier_suivi": "on",
                "frequence": "daily",
            },
        )
    assert Subscription.objects.get().frequency == "daily"
