"""Counting a page view costs one UPDATE of the hour's counter (an INSERT the first
time in the hour), whatever the traffic: no row per view, no identifier."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from manchette.audience import conf
from manchette.audience.models import DIRECT, INTERNAL, HourlyViews
from manchette.newsroom.models import ArticlePage

HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])?")
ROBOTS = re.compile(r"bot|crawl|spider|slurp|facebookexternalhit|preview|monitor", re.I)


def referrer_domain(*, referrer: str, own_host: str) -> str:
    """The referring site's domain and nothing else (never a path or a query)."""
    value = (referrer or "").strip().lower()
    if not value:
        return DIRECT
    host = urlsplit(value).hostname if "//" in value else value.split("/")[0]
    host = (host or "").removeprefix("www.").rstrip(".")
    if not host:
        return DIRECT
    if host == own_host.lower().split(":")[0].removeprefix("www."):
        return INTERNAL
    if not HOSTNAME.fullmatch(host):
        return "autre"
    return host


def is_robot(user_agent: str) -> bool:
    return not user_agent or bool(ROBOTS.search(user_agent))


def view_record(*, article_id: int, referrer: str, at: datetime | None = None) -> bool:
    """Count one view of a published article; False (nothing counted) for anything
    else, so that made-up ids write nothing."""
    hour = (at or timezone.now()).replace(minute=0, second=0, microsecond=0)
    counter = HourlyViews.objects.filter(
        hour=hour, article_id=article_id, referrer=referrer
    )
    if counter.update(views=F("views") + 1):
        return True
    if not ArticlePage.objects.live().public().filter(pk=article_id).exists():
        return False
    try:
        with transaction.atomic():
            HourlyViews.objects.create(
                hour=hour, article_id=article_id, referrer=referrer, views=1
            )
    except IntegrityError:  # another request created the hour's counter first
        counter.update(views=F("views") + 1)
    return True


def views_prune(*, now: datetime | None = None) -> int:
    limit = (now or timezone.now()) - timedelta(days=conf.retention_days())
    deleted, _ = HourlyViews.objects.filter(hour__lt=limit).delete()
    return deleted
