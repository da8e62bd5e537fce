from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from manchette.core import pagecache
from manchette.trust import services
from manchette.trust.models import (
    Correction,
    CorrectionKind,
    ErrorReport,
    ReplyRequest,
    ReplyStatus,
    ReportStatus,
)

pytestmark = pytest.mark.django_db


def _reply(article, **overrides):
    fields = {
        "article": article,
        "name": "Jean Dupont",
        "capacity": "Maire cité dans l’article",
        "email": "jean@example.org",
        "postal_address": "1 place de la Mairie, 75001 Paris",
        "contested_passage": "Les ministres se sont réunis",
        "reply_text": "Je n’étais pas présent à cette réunion.",
        "idempotency_key": "k" * 24,
    }
    return services.reply_request_submit(**{**fields, **overrides})


def test_error_report_submitted_twice_is_kept_once(article):
    first = services.error_report_submit(
        article=article, passage="dix heures", problem="C’était onze heures."
    )
    again = services.error_report_submit(
        article=article, passage="dix  heures ", problem="C’était onze heures."
    )
    assert first.pk == again.pk
    assert ErrorReport.objects.count() == 1


def test_report_becomes_a_correction_in_one_step_and_the_reader_is_told(
    article, editor, django_capture_on_commit_callbacks
):
    report = services.error_report_submit(
        article=article,
        passage="dix heures",
        problem="onze heures",
        email="lectrice@example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.error_report_to_correction(
            report=report,
            kind=CorrectionKind.CORRECTION,
            text="Les discussions ont duré onze heures, et non dix.",
            user=editor,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.CORRECTED
    assert correction.report == report and correction.author == editor
    assert [m.to for m in mail.outbox] == [["lectrice@example.org"]]
    with pytest.raises(ValidationError):
        services.error_report_to_correction(
            report=report, kind="correction", text="encore", user=editor
        )
    assert Correction.objects.count() == 1


def test_a_correction_makes_the_cached_article_stale(
    article, editor, django_capture_on_commit_callbacks
):
    tag_key = pagecache.TAG_PREFIX + f"page:{article.pk}"
    pagecache.tags_invalidate([f"page:{article.pk}"])
    before = pagecache.cache.get(tag_key)
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_add(
            article=article, kind="precision", text="Précision.", author=editor
        )
    assert pagecache.cache.get(tag_key) != before


def test_reply_request_is_logged_acknowledged_and_idempotent(
    article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = _reply(article)
        again = _reply(article)
    assert reply.pk == again.pk
    assert reply.insertion_deadline == reply.received_at + timedelta(days=3)
    assert [e.action for e in reply.events.all()] == ["demande reçue"]
    assert len(mail.outbox) == 1 and "droit de réponse" in mail.outbox[0].subject


def test_reply_longer_than_the_article_is_refused_and_nothing_is_written(article):
    too_long = "mot " * 200
    with pytest.raises(ValidationError) as error:
        _reply(article, reply_text=too_long)
    assert "reply_text" in error.value.message_dict
    assert ReplyRequest.objects.count() == 0


def test_reply_published_once_with_its_dates_and_each_step_logged(article, editor):
    reply = _reply(article)
    published = services.reply_request_publish(reply=reply, user=editor)
    assert published.status == ReplyStatus.PUBLISHED
    assert published.published_at is not None
    assert published.decided_at == published.published_at
    with pytest.raises(ValidationError):
        services.reply_request_refuse(reply=reply, user=editor, reason="trop tard")
    assert [e.action for e in published.events.all()] == [
        "demande reçue",
        "acceptée et publiée",
    ]


def test_a_refusal_needs_a_reason(article, editor):
    reply = _reply(article)
    with pytest.raises(ValidationError):
        services.reply_request_refuse(reply=reply, user=editor, reason="  ")
    refused = services.reply_request_refuse(
        reply=reply, user=editor, reason="Réponse injurieuse envers un tiers."
    )
    assert refused.status == ReplyStatus.REFUSED


def test_overdue_reply_is_flagged(article):
    reply = _reply(article)
    ReplyRequest.objects.filter(pk=reply.pk).update(
        received_at=timezone.now() - timedelta(days=3, minutes=1)
    )
    reply.refresh_from_db()
    assert reply.is_overdue
