"""Writes of the trust app: corrections, error reports, droit de réponse, embargo
links. Each change that readers see refreshes the cached pages that show it."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from manchette.core.pagecache import tags_invalidate
from manchette.core.templatetags.manchette import date_long
from manchette.newsroom.cache import frontend_purge
from manchette.newsroom.models import ArticlePage
from manchette.trust.models import (
    Correction,
    ErrorReport,
    PartnerLink,
    ReplyEvent,
    ReplyRequest,
    ReplyStatus,
    ReportStatus,
)

if TYPE_CHECKING:
    from manchette.accounts.models import User

logger = logging.getLogger("manchette.trust")
CORRECTIONS_TAG = "trust:corrections"
CORRECTIONS_URLS = ("/corrections/", "/corrections/rss/")
PARTNER_LINK_SALT = "manchette.trust.partner-link"
DUPLICATE_REPORT_SECONDS = 3600


def article_readers_refresh(*, article: ArticlePage) -> None:
    """Every cached page that shows this article's corrections or replies: the
    article, la Une (JSON-LD dates), sitemaps, the corrections page. Now, and again
    after commit: a page rendered in between from the old rows must not stay."""
    tags = [f"page:{article.pk}", "list:home", "sitemaps", CORRECTIONS_TAG]
    tags_invalidate(tags)
    transaction.on_commit(lambda: tags_invalidate(tags))
    frontend_purge(urls=[article.get_url() or "", "/", *CORRECTIONS_URLS])


def _send(*, to: str, subject: str, text: str) -> None:
    def send() -> None:
        try:
            EmailMultiAlternatives(subject=subject, body=text, to=[to]).send()
        except Exception:  # the record is kept; an email that fails must not undo it
            logger.exception("trust email to %s failed", to)

    transaction.on_commit(send)


# Corrections ---------------------------------------------------------------------------


@transaction.atomic
def correction_add(
    *,
    article: ArticlePage,
    kind: str,
    text: str,
    author: User | None,
    made_at: datetime | None = None,
    report: ErrorReport | None = None,
) -> Correction:
    correction = Correction(
        article=article,
        kind=kind,
        text=text.strip(),
        author=author,
        made_at=made_at or timezone.now(),
        report=report,
    )
    correction.full_clean()
    correction.save()
    article_readers_refresh(article=article)
    return correction


@transaction.atomic
def correction_delete(*, correction: Correction) -> None:
    article = correction.article
    correction.delete()
    article_readers_refresh(article=article)


# Error reports ---------------------------------------------------------------------------


def _report_fingerprint(*, article_id: int, passage: str, problem: str) -> str:
    raw = f"{article_id}\x00{' '.join(passage.split())}\x00{' '.join(problem.split())}"
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def error_report_submit(
    *, article: ArticlePage, passage: str, problem: str, email: str = ""
) -> ErrorReport:
    """Keep a reader's report; the same words on the same article within the hour
    (a double submit, a reload) return the report already kept."""
    fingerprint = _report_fingerprint(
        article_id=article.pk, passage=passage, problem=problem
    )
    since = timezone.now() - timedelta(seconds=DUPLICATE_REPORT_SECONDS)
    existing = ErrorReport.objects.filter(
        fingerprint=fingerprint, created_at__gte=since
    ).first()
    if existing is not None:
        return existing
    report = ErrorReport(
        article=article,
        passage=passage.strip(),
        problem=problem.strip(),
        email=email.strip(),
        fingerprint=fingerprint,
    )
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def error_report_to_correction(
    *, report: ErrorReport, kind: str, text: str, user: User | None
) -> Correction:
    """The one step from a reader's report to a published correction."""
    report = ErrorReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.CORRECTED:
        raise ValidationError(_("Ce signalement a déjà donné lieu à une correction."))
    correction = correction_add(
        article=report.article, kind=kind, text=text, author=user, report=report
    )
    report.status = ReportStatus.CORRECTED
    report.handled_at = timezone.now()
    report.handled_by = user
    report.save(update_fields=["status", "handled_at", "handled_by"])
    if report.email:
        _send(
            to=report.email,
            subject=_("Votre signalement a donné lieu à une correction"),
            text=_(
                "Bonjour,\n\nMerci : l’erreur que vous nous avez signalée dans "
                "« %(title)s » est corrigée.\n\n%(text)s\n\n%(url)s\n"
            )
            % {
                "title": report.article.title,
                "text": correction.text,
                "url": settings.SITE_URL + (report.article.get_url() or "/"),
            },
        )
    return correction


@transaction.atomic
def error_report_dismiss(*, report: ErrorReport, user: User | None) -> ErrorReport:
    report.status = ReportStatus.DISMISSED
    report.handled_at = timezone.now()
    report.handled_by = user
    report.save(update_fields=["status", "handled_at", "handled_by"])
    return report


# Droit de réponse -------------------------------------------------------------------------


def reply_event_log(
    *, request: ReplyRequest, action: str, user: User | None = None, note: str = ""
) -> ReplyEvent:
    return ReplyEvent.objects.create(
        request=request, action=action, user=user, note=note
    )


def reply_length_limit(*, article: ArticlePage) -> int:
    """The reply may be as long as the text that provoked it (décret 2007-1527 art. 3)."""
    return len(" ".join([article.title, article.standfirst, article.body_text]))


@transaction.atomic
def reply_request_submit(
    *,
    article: ArticlePage,
    name: str,
    capacity: str,
    email: str,
    postal_address: str,
    contested_passage: str,
    reply_text: str,
    idempotency_key: str,
) -> ReplyRequest:
    existing = ReplyRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    limit = reply_length_limit(article=article)
    if len(reply_text.strip()) > limit:
        raise ValidationError(
            {
                "reply_text": _(
                    "La réponse ne peut dépasser la longueur de l’article "
                    "(%(limit)s caractères) ; elle en compte %(count)s."
                )
                % {"limit": limit, "count": len(reply_text.strip())}
            }
        )
    reply = ReplyRequest(
        article=article,
        name=name.strip(),
        capacity=capacity.strip(),
        email=email.strip(),
        postal_address=postal_address.strip(),
        contested_passage=contested_passage.strip(),
        reply_text=reply_text.strip(),
        idempotency_key=idempotency_key,
    )
    reply.full_clean()
    reply.save()
    reply_event_log(request=reply, action=str(_("demande reçue")))
    _send(
        to=reply.email,
        subject=_("Votre demande de droit de réponse est reçue"),
        text=_(
            "Bonjour,\n\nNous avons reçu le %(received)s votre demande de droit de "
            "réponse à l’article « %(title)s ». La loi nous donne jusqu’au %(deadline)s "
            "pour l’insérer ou vous faire part d’un refus motivé.\n"
        )
        % {
            "received": date_long(reply.received_at),
            "deadline": date_long(reply.insertion_deadline),
            "title": article.title,
        },
    )
    return reply


@transaction.atomic
def reply_request_publish(
    *, reply: ReplyRequest, user: User | None, note: str = ""
) -> ReplyRequest:
    """Accept the reply: it is attached to the article at once, dated."""
    reply = ReplyRequest.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.RECEIVED:
        raise ValidationError(_("Cette demande a déjà été décidée."))
    now = timezone.now()
    reply.status = ReplyStatus.PUBLISHED
    reply.decided_at = now
    reply.published_at = now
    reply.save(update_fields=["status", "decided_at", "published_at"])
    reply_event_log(
        request=reply, action=str(_("acceptée et publiée")), user=user, note=note
    )
    article_readers_refresh(article=reply.article)
    _send(
        to=reply.email,
        subject=_("Votre droit de réponse est publié"),
        text=_("Bonjour,\n\nVotre réponse est publiée sous l’article : %(url)s\n")
        % {"url": settings.SITE_URL + (reply.article.get_url() or "/")},
    )
    return reply


@transaction.atomic
def reply_request_refuse(
    *, reply: ReplyRequest, user: User | None, reason: str
) -> ReplyRequest:
    reply = ReplyRequest.objects.select_for_update().get(pk=reply.pk)
    if reply.status != ReplyStatus.RECEIVED:
        raise ValidationError(_("Cette demande a déjà été décidée."))
    if not reason.strip():
        raise ValidationError({"refusal_reason": _("Un refus doit être motivé.")})
    reply.status = ReplyStatus.REFUSED
    reply.decided_at = timezone.now()
    reply.refusal_reason = reason.strip()
    reply.save(update_fields=["status", "decided_at", "refusal_reason"])
    reply_event_log(request=reply, action=str(_("refusée")), user=user, note=reason)
    _send(
        to=reply.email,
        subject=_("Votre demande de droit de réponse"),
        text=_(
            "Bonjour,\n\nNous ne publierons pas votre réponse à « %(title)s », "
            "pour la raison suivante :\n\n%(reason)s\n"
        )
        % {"title": reply.article.title, "reason": reply.refusal_reason},
    )
    return reply


# Embargo -------------------------------------------------------------------------------------


@transaction.atomic
def partner_link_create(
    *, article: ArticlePage, partner: str, expires_at: datetime, user: User | None
) -> PartnerLink:
    link = PartnerLink(
        article=article, partner=partner.strip(), expires_at=expires_at, created_by=user
    )
    link.full_clean()
    link.save()
    return link


def partner_link_url(*, link: PartnerLink) -> str:
    token = signing.dumps(link.pk, salt=PARTNER_LINK_SALT, compress=True)
    return settings.SITE_URL + reverse("trust:embargo", args=[token])


@transaction.atomic
def partner_link_revoke(*, link: PartnerLink) -> PartnerLink:
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    return link


def partner_link_opened(*, link: PartnerLink) -> None:
    PartnerLink.objects.filter(pk=link.pk).update(
        open_count=F("open_count") + 1, last_opened_at=timezone.now()
    )
