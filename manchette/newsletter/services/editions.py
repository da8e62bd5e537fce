"""Editors' side: editions composed from the day's articles, special editions,
test sends, scheduling, and breaking-news alerts."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.models import Page

from manchette.newsletter import conf
from manchette.newsletter.emails import (
    edition_message,
    edition_render,
    header_text,
    site_url,
)
from manchette.newsletter.models import (
    Edition,
    EditionItem,
    EditionKind,
    EditionStatus,
    ListKind,
    NewsletterList,
    Subscriber,
)
from manchette.newsletter.services.sending import edition_send_start

logger = logging.getLogger("manchette.newsletter")
PER_SECTION = 5
TOTAL_ITEMS = 30


def _lead_article_id() -> int | None:
    from manchette.newsroom.models import HomePage

    home = HomePage.objects.live().first()
    return home.lead_article_id if home else None


def edition_articles_pick(
    *, newsletter_list: NewsletterList, since: datetime, until: datetime
) -> list[tuple[str, list[Any]]]:
    """The articles of a period, grouped by section: the editors' pick (the front
    page's lead) first, then in each section the most commented (when the
    discussions app counts comments on cards), then the most recent."""
    from manchette.newsroom.selectors import (
        articles_for_cards,
        articles_live,
        sections_live,
    )

    articles = articles_live().filter(
        first_published_at__gte=since, first_published_at__lt=until
    )
    if newsletter_list.kind == ListKind.WEEKLY and newsletter_list.section_id:
        section = Page.objects.get(pk=newsletter_list.section_id)
        articles = articles.descendant_of(section)
    elif newsletter_list.kind == ListKind.TOPIC and newsletter_list.topic_id:
        articles = articles.filter(topics=newsletter_list.topic_id)
    cards = articles_for_cards(articles[:500])
    if not cards:
        return []
    lead_id = _lead_article_id()
    lead = [a for a in cards if a.pk == lead_id]
    rest = sorted(
        (a for a in cards if a.pk != lead_id),
        key=lambda a: (
            -(getattr(a, "comment_count", 0) or 0),
            -a.first_published_at.timestamp(),
        ),
    )
    groups: list[tuple[str, list[Any]]] = []
    if lead:
        groups.append((_("À la une"), lead))
    for section in sections_live():
        in_section = [
            a
            for a in rest
            if getattr(a, "section", None) and a.section.pk == section.pk
        ][:PER_SECTION]
        if in_section:
            groups.append((section.title, in_section))
    kept, budget = [], TOTAL_ITEMS
    for heading, items in groups:
        if budget <= 0:
            break
        kept.append((heading, items[:budget]))
        budget -= len(items[:budget])
    return kept


def edition_compose(
    *,
    newsletter_list: NewsletterList,
    issue_date: date,
    since: datetime,
    until: datetime,
) -> Edition | None:
    """A draft edition of the period's articles (None when there is none, or when
    that day's edition already exists)."""
    groups = edition_articles_pick(
        newsletter_list=newsletter_list, since=since, until=until
    )
    if not groups:
        return None
    subject = header_text(
        f"{newsletter_list.name} – {date_format(issue_date, 'l j F Y')}"
    )
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                newsletter_list=newsletter_list,
                kind=EditionKind.DIGEST,
                subject=subject,
                issue_date=issue_date,
            )
            EditionItem.objects.bulk_create(
                [
                    EditionItem(
                        edition=edition,
                        article=article,
                        heading=heading,
                        title=article.title,
                        blurb=article.standfirst,
                        sort_order=position,
                    )
                    for position, (heading, article) in enumerate(
                        (h, a) for h, items in groups for a in items
                    )
                ]
            )
    except IntegrityError:  # composed meanwhile by another scheduler
        return None
    return edition


def editions_compose_due(*, now: datetime | None = None) -> list[Edition]:
    """Periodic job: at the configured hour, the daily digest (and on the weekly
    day, the weekly section and topic letters) as drafts, or sent at once when the
    newsroom has chosen so."""
    from manchette.newsletter.services.subscribers import newsletter_lists_ensure

    local = timezone.localtime(now or timezone.now())
    if local.hour < conf.digest_hour():
        return []
    today = local.date()
    composed: list[Edition] = []
    day_start = local.replace(
        hour=conf.digest_hour(), minute=0, second=0, microsecond=0
    )
    wanted: list[tuple[NewsletterList, timedelta]] = [
        (nl, timedelta(days=1))
        for nl in NewsletterList.objects.filter(kind=ListKind.DIGEST, is_active=True)
    ]
    if local.weekday() == conf.weekly_weekday():
        newsletter_lists_ensure()
        wanted += [
            (nl, timedelta(days=7))
            for nl in NewsletterList.objects.filter(
                kind__in=[ListKind.WEEKLY, ListKind.TOPIC],
                is_active=True,
                subscriptions__isnull=False,
            ).distinct()
        ]
    for newsletter_list, period in wanted:
        if Edition.objects.filter(
            newsletter_list=newsletter_list, issue_date=today
        ).exists():
            continue
        edition = edition_compose(
            newsletter_list=newsletter_list,
            issue_date=today,
            since=day_start - period,
            until=day_start,
        )
        if edition is None:
            continue
        composed.append(edition)
        if conf.digest_auto_send():
            edition_send_start(edition=edition)
    return composed


def edition_test_send(*, edition: Edition, email: str) -> None:
    """The edition as a reader would get it, to the editor's own address (its
    personal links are inert: they belong to nobody)."""
    from manchette.newsletter.services.subscribers import email_normalise

    rendered = edition_render(edition)
    nobody = Subscriber(pk=0, email=email, token="test")  # noqa: S106 - no real token
    message = edition_message(
        rendered,
        subscriber=nobody,
        to=email_normalise(email=email),
        delivery_id=0,
    )
    message.subject = header_text(
        _("[TEST] %(subject)s") % {"subject": message.subject}
    )
    message.send()


def edition_schedule(*, edition: Edition, at: datetime) -> Edition:
    """Send at a given time (the watchdog starts it); `at` in the past means now."""
    updated = Edition.objects.filter(
        pk=edition.pk, status__in=[EditionStatus.DRAFT, EditionStatus.SCHEDULED]
    ).update(status=EditionStatus.SCHEDULED, scheduled_at=at)
    edition.refresh_from_db()
    if updated and at <= timezone.now():
        edition = edition_send_start(edition=edition)
    return edition


def edition_unschedule(*, edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk, status=EditionStatus.SCHEDULED).update(
        status=EditionStatus.DRAFT
    )


def alert_send(*, text: str, url: str) -> Edition | None:
    """A breaking-news alert to the "Alertes" list, through the sending engine
    (for the flashes app)."""
    alerts = NewsletterList.objects.filter(kind=ListKind.ALERTS, is_active=True).first()
    if alerts is None:
        return None
    edition = Edition.objects.create(
        newsletter_list=alerts,
        kind=EditionKind.ALERT,
        subject=header_text(_("Alerte : %(text)s") % {"text": text}),
        intro=text[:4000],
        link_url=site_url(url) if url else "",
    )
    return edition_send_start(edition=edition)
