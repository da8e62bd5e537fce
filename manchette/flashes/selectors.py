"""Reads of the flashes app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from manchette.core.templatetags.manchette import french_spacing
from manchette.flashes import conf
from manchette.flashes.models import Flash


def flash_list_active(*, now: datetime | None = None) -> QuerySet[Flash]:
    """The banner: flashes online now, the newest first."""
    now = now or timezone.now()
    return (
        Flash.objects.filter(live=True)
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now))
        .select_related("article")
        .order_by("-first_published_at", "-pk")[: conf.banner_max()]
    )


def flash_list_published() -> QuerySet[Flash]:
    """The archive: every flash that was online (withdrawn ones are left out: a
    withdrawal corrects a mistake)."""
    return (
        Flash.objects.filter(first_published_at__isnull=False)
        .filter(Q(live=True) | Q(expired=True))
        .select_related("article")
        .order_by("-first_published_at", "-pk")
    )


def flash_payload(*, flash: Flash) -> dict[str, Any]:
    """What the banner's script receives for one flash (JSON and live events)."""
    return {
        "id": flash.pk,
        "text": french_spacing(flash.text),
        "level": flash.level,
        "is_alert": flash.is_alert,
        "url": flash.link,
        "published_at": flash.published_at.isoformat(),
        "expire_at": flash.expire_at.isoformat() if flash.expire_at else None,
    }
