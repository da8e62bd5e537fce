"""Readers' side: sign-up with double opt-in, confirmation, preferences, leaving, and
the suppression list."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from manchette.core.http import rate_limit_hit
from manchette.newsletter import conf
from manchette.newsletter.models import (
    Delivery,
    Edition,
    ListEvent,
    ListEventKind,
    ListKind,
    NewsletterList,
    SignupRequest,
    Subscriber,
    Subscription,
    Suppression,
    SuppressionReason,
)

logger = logging.getLogger("manchette.newsletter")
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)


def email_normalise(*, email: str) -> str:
    """The address as stored: validated (syntax only, no network lookup) and in
    lower case, so that one mailbox is one subscriber."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("Cette adresse électronique n’est pas valide : %(reason)s")
            % {"reason": exc},
            code="invalid_email",
        ) from exc
    return result.normalized.lower()


def newsletter_lists_ensure() -> list[NewsletterList]:
    """One weekly list per live section, created the first time it is needed (the
    sections are created after the migrations have run)."""
    from manchette.newsroom.selectors import sections_live

    existing = set(
        NewsletterList.objects.filter(kind=ListKind.WEEKLY).values_list(
            "section_id", flat=True
        )
    )
    for position, section in enumerate(sections_live(), start=100):
        if section.pk in existing:
            continue
        try:
            with transaction.atomic():
                NewsletterList.objects.create(
                    kind=ListKind.WEEKLY,
                    slug=f"semaine-{section.slug}"[:160],
                    name=_("La semaine : %(section)s") % {"section": section.title},
                    description=_("Le meilleur de la rubrique, chaque semaine."),
                    section=section,
                    position=position,
                )
        except IntegrityError:  # created meanwhile by another request
            continue
    return list(NewsletterList.objects.filter(is_active=True))


def newsletter_list_for_topic(*, topic: object) -> NewsletterList:
    newsletter_list, _created = NewsletterList.objects.get_or_create(
        kind=ListKind.TOPIC,
        topic=topic,
        defaults={
            "slug": f"sujet-{topic.slug}"[:160],  # type: ignore[attr-defined]
            "name": _("Suivre : %(topic)s") % {"topic": topic},
            "position": 500,
        },
    )
    return newsletter_list


def _signup_allowed(*, email: str, ip: str) -> bool:
    if rate_limit_hit(
        scope="newsletter-signup-ip",
        key=ip,
        limit=conf.signup_limit_per_ip(),
        window_seconds=3600,
    ):
        return False
    return not rate_limit_hit(
        scope="newsletter-signup-address",
        key=email,
        limit=conf.signup_limit_per_address(),
        window_seconds=24 * 3600,
    )


@transaction.atomic
def signup_request_create(
    *, email: str, list_ids: list[int], consent_text: str, ip: str
) -> None:
    """Ask for a confirmation by email. The caller answers the same whatever
    happens here (already subscribed, rate limited, suppressed), so that the form
    tells nobody whether an address is on a list; the only email ever sent is the
    confirmation, to the address itself."""
    address = email_normalise(email=email)
    lists = list(
        NewsletterList.objects.filter(pk__in=list_ids, is_active=True).order_by("pk")
    )
    if not lists:
        raise ValidationError(_("Choisissez au moins une lettre."), code="no_list")
    chosen = [nl.pk for nl in lists]
    recent = SignupRequest.objects.filter(
        email=address,
        list_ids=chosen,
        created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    )
    if recent.exists():  # a double submit: one email is enough
        return
    if not _signup_allowed(email=address, ip=ip):
        return
    if Suppression.objects.filter(email=address).exists():
        return
    signup = SignupRequest.objects.create(
        email=address, list_ids=chosen, consent_text=consent_text[:2000]
    )
    from manchette.newsletter.tasks import signup_confirmation_send_task

    transaction.on_commit(lambda: signup_confirmation_send_task.enqueue(signup.pk))


def signup_confirmation_send(*, signup_id: int) -> None:
    from manchette.newsletter.emails import confirmation_message

    signup = SignupRequest.objects.filter(pk=signup_id).first()
    if signup is None:
        return
    names = list(
        NewsletterList.objects.filter(pk__in=signup.list_ids).values_list(
            "name", flat=True
        )
    )
    confirmation_message(signup, list_names=names).send()


def _events_record(
    *, list_ids: list[int], kind: str, edition_id: int | None = None
) -> None:
    ListEvent.objects.bulk_create(
        [
            ListEvent(newsletter_list_id=pk, kind=kind, edition_id=edition_id)
            for pk in list_ids
        ]
    )


def _subscriptions_add(*, subscriber: Subscriber, list_ids: list[int]) -> None:
    have = set(subscriber.subscriptions.values_list("newsletter_list_id", flat=True))
    new = [
        pk
        for pk in NewsletterList.objects.filter(pk__in=list_ids).values_list(
            "pk", flat=True
        )
        if pk not in have
    ]
    Subscription.objects.bulk_create(
        [Subscription(subscriber=subscriber, newsletter_list_id=pk) for pk in new]
    )
    _events_record(list_ids=new, kind=ListEventKind.JOINED)


@transaction.atomic
def signup_confirm(*, signup: SignupRequest) -> Subscriber:
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email=signup.email,
        defaults={"confirmed_at": timezone.now(), "consent_text": signup.consent_text},
    )
    if not created and subscriber.paused:
        subscriber.paused = False  # signing up again is asking to receive again
        subscriber.save(update_fields=["paused"])
    _subscriptions_add(subscriber=subscriber, list_ids=signup.list_ids)
    signup.delete()
    return subscriber


def signup_requests_expire() -> int:
    """Unconfirmed sign-ups are deleted after a few days (periodic job)."""
    cutoff = timezone.now() - timedelta(days=conf.signup_expiry_days())
    deleted, _by_model = SignupRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def subscriber_lists_update(*, subscriber: Subscriber, list_ids: list[int]) -> None:
    wanted = set(
        NewsletterList.objects.filter(pk__in=list_ids, is_active=True).values_list(
            "pk", flat=True
        )
    )
    current = set(subscriber.subscriptions.values_list("newsletter_list_id", flat=True))
    # A list no longer offered to readers stays as it is.
    offered = set(
        NewsletterList.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    leaving = sorted((current - wanted) & offered)
    subscriber.subscriptions.filter(newsletter_list_id__in=leaving).delete()
    _events_record(list_ids=leaving, kind=ListEventKind.LEFT)
    _subscriptions_add(subscriber=subscriber, list_ids=sorted(wanted - current))


def subscriber_pause(*, subscriber: Subscriber, paused: bool) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).update(paused=paused)
    subscriber.paused = paused


@transaction.atomic
def subscription_cancel(
    *, subscriber: Subscriber, list_id: int | None, edition_id: int | None = None
) -> None:
    """One-click unsubscribe: from the list of the email it came from (or from
    every list when the link names none). The link's edition may have been deleted
    since the email went out: the leave is then counted on no edition."""
    if edition_id is not None:
        edition_id = (
            Edition.objects.filter(pk=edition_id).values_list("pk", flat=True).first()
        )
    subscriptions = subscriber.subscriptions.all()
    if list_id is not None:
        subscriptions = subscriptions.filter(newsletter_list_id=list_id)
    left = list(subscriptions.values_list("newsletter_list_id", flat=True))
    subscriptions.delete()
    _events_record(list_ids=left, kind=ListEventKind.LEFT, edition_id=edition_id)


@transaction.atomic
def subscriber_leave(*, subscriber: Subscriber, edition_id: int | None = None) -> None:
    """Leave everything: the address is erased (the delivery log keeps counts, not
    the address)."""
    subscription_cancel(subscriber=subscriber, list_id=None, edition_id=edition_id)
    Delivery.objects.filter(subscriber=subscriber).update(email="")
    SignupRequest.objects.filter(email=subscriber.email).delete()
    subscriber.delete()


def suppression_add(*, email: str, reason: str, detail: str = "") -> Suppression:
    address = email.strip().lower()
    suppression, _created = Suppression.objects.get_or_create(
        email=address, defaults={"reason": reason, "detail": detail[:500]}
    )
    return suppression


def suppression_record_from_tracking(*, event: object, esp_name: str) -> None:
    """django-anymail tracking signal: a bounce or a complaint puts the address on
    the suppression list and is counted on the edition that caused it."""
    from anymail.signals import EventType

    event_type = getattr(event, "event_type", None)
    if event_type == EventType.BOUNCED:
        reason = SuppressionReason.BOUNCE
    elif event_type == EventType.COMPLAINED:
        reason = SuppressionReason.COMPLAINT
    else:
        return
    recipient = getattr(event, "recipient", None) or ""
    metadata = getattr(event, "metadata", None) or {}
    delivery_id = str(metadata.get("delivery_id", ""))
    if recipient:
        suppression_add(
            email=recipient,
            reason=reason,
            detail=f"{esp_name}: {getattr(event, 'description', '') or ''}",
        )
    if delivery_id.isdigit():
        field = "bounced_at" if reason == SuppressionReason.BOUNCE else "complained_at"
        Delivery.objects.filter(pk=int(delivery_id)).update(
            **{field: getattr(event, "timestamp", None) or timezone.now()}
        )
    logger.info("newsletter: %s from %s", reason, esp_name)
