"""Reads of the newsletter app: lists offered to readers, sending progress,
per-edition figures and per-list growth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from manchette.newsletter.models import (
    Delivery,
    DeliveryStatus,
    Edition,
    ListEvent,
    ListEventKind,
    ListKind,
    NewsletterList,
    SendWorker,
    Subscriber,
)

SIGNUP_BLOCK_KINDS = (ListKind.DIGEST, ListKind.ALERTS)


def newsletter_lists_for_block() -> QuerySet[NewsletterList]:
    """The lists the sign-up block on every page offers."""
    return NewsletterList.objects.filter(is_active=True, kind__in=SIGNUP_BLOCK_KINDS)


def newsletter_lists_for_readers() -> QuerySet[NewsletterList]:
    """Every list a reader can choose on the newsletter page (topic lists are
    joined from their topic's page)."""
    return NewsletterList.objects.filter(is_active=True).exclude(kind=ListKind.TOPIC)


def subscriber_list_ids(*, subscriber: Subscriber) -> set[int]:
    return set(subscriber.subscriptions.values_list("newsletter_list_id", flat=True))


@dataclass(frozen=True)
class Progress:
    status: str
    total: int
    sent: int
    failed: int
    skipped: int
    pending: int
    in_flight: int
    rate_per_second: float
    eta_seconds: int | None
    workers: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def edition_progress(*, edition: Edition) -> Progress:
    counts = dict(
        Delivery.objects.filter(edition=edition)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    sent = counts.get(DeliveryStatus.SENT, 0)
    now = timezone.now()
    recent = Delivery.objects.filter(
        edition=edition,
        status=DeliveryStatus.SENT,
        sent_at__gte=now - timedelta(seconds=30),
    ).count()
    rate = recent / 30.0
    if rate == 0 and sent and edition.started_at:
        end = edition.finished_at or now
        rate = sent / max(1.0, (end - edition.started_at).total_seconds())
    remaining = counts.get(DeliveryStatus.PENDING, 0) + counts.get(
        DeliveryStatus.SENDING, 0
    )
    return Progress(
        status=edition.status,
        total=edition.total or sum(counts.values()),
        sent=sent,
        failed=counts.get(DeliveryStatus.FAILED, 0),
        skipped=counts.get(DeliveryStatus.SKIPPED, 0),
        pending=counts.get(DeliveryStatus.PENDING, 0),
        in_flight=counts.get(DeliveryStatus.SENDING, 0),
        rate_per_second=round(rate, 1),
        eta_seconds=int(remaining / rate) if rate > 0 and remaining else None,
        workers=SendWorker.objects.filter(edition=edition).count(),
    )


def edition_stats(*, edition: Edition) -> dict[str, int]:
    """Delivered, bounced, complained, unsubscribed (from this edition's links)."""
    figures = Delivery.objects.filter(edition=edition).aggregate(
        delivered=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
    )
    figures["unsubscribed"] = ListEvent.objects.filter(
        edition=edition, kind=ListEventKind.LEFT
    ).count()
    return figures


def list_growth(
    *, newsletter_list: NewsletterList, days: int = 90
) -> list[tuple[date, int]]:
    """Subscribers of a list at the end of each of the last `days` days."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    current = newsletter_list.subscriptions.count()
    daily: dict[Any, int] = {}
    for event in ListEvent.objects.filter(
        newsletter_list=newsletter_list,
        at__date__gte=start,
    ).values_list("at", "kind"):
        day = timezone.localdate(event[0])
        daily[day] = daily.get(day, 0) + (1 if event[1] == ListEventKind.JOINED else -1)
    points: list[tuple[date, int]] = []
    count = current
    for offset in range(days):
        day = today - timedelta(days=offset)
        points.append((day, count))
        count -= daily.get(day, 0)
    return list(reversed(points))


def growth_svg_points(
    points: list[tuple[date, int]], *, width: int = 300, height: int = 60
) -> dict[str, Any]:
    """Coordinates for a small inline SVG line chart (no script, no library)."""
    values = [v for _d, v in points]
    top = max(values, default=0) or 1
    step = width / max(1, len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - (v / top) * (height - 4) - 2:.1f}"
        for i, v in enumerate(values)
    )
    return {
        "width": width,
        "height": height,
        "points": coords,
        "first": points[0] if points else None,
        "last": points[-1] if points else None,
        "max": max(values, default=0),
    }
