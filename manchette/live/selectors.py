"""Reads of the live channel."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, QuerySet

from manchette.live.models import LiveEvent


def event_last_id() -> int:
    """The newest event's id: a page renders it so that its stream replays whatever
    was published after the page was built (the page may sit in a cache)."""
    return LiveEvent.objects.aggregate(last=Max("id"))["last"] or 0


def event_list_after(
    *, after: int, channels: Iterable[str] | None = None, limit: int = 500
) -> QuerySet[LiveEvent]:
    events = LiveEvent.objects.filter(id__gt=after)
    if channels is not None:
        events = events.filter(channel__in=list(channels))
    return events.order_by("id")[:limit]
