"""Writes of the live channel: other apps publish their events here."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from manchette.core.cache import async_redis
from manchette.core.db import row_insert
from manchette.live import conf
from manchette.live.models import LiveEvent

logger = logging.getLogger("manchette.live")

CHANNEL_PATTERN = re.compile(r"^(flashes|article:[1-9][0-9]{0,11}:(blog|comments))$")
EVENT_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,49}$")
MAX_DATA_BYTES = 32 * 1024


def channel_is_valid(channel: str) -> bool:
    return bool(CHANNEL_PATTERN.match(channel))


def event_envelope(
    *, event_id: int, channel: str, event: str, data: dict[str, Any]
) -> dict[str, Any]:
    """What a reader receives, in a stream or from the polling endpoint."""
    return {"id": event_id, "channel": channel, "event": event, "data": data}


@cache
def _redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def redis_message(live_event: LiveEvent) -> str:
    """What every server process hears of a stored event (on `conf.redis_channel()`)."""
    message = {
        **event_envelope(
            event_id=live_event.pk,
            channel=live_event.channel,
            event=live_event.event,
            data=live_event.data,
        ),
        "created_at": live_event.created_at.timestamp(),
    }
    return json.dumps(message, cls=DjangoJSONEncoder)


def _redis_publish(live_event: LiveEvent) -> None:
    url = conf.redis_url()
    if not url:
        return  # the processes follow the table instead
    try:
        _redis_client(url).publish(conf.redis_channel(), redis_message(live_event))
    except Exception:
        # The event is stored: the followers catch up from the table when they
        # reconnect, and readers replay it; a Redis hiccup must not fail the write.
        logger.exception("live event %s not published on Redis", live_event.pk)


async def event_published_async(live_event: LiveEvent) -> None:
    """For the ASGI fast paths, which store their event in their own statement
    (event_data checks it): push it to every server process once committed."""
    url = conf.redis_url()
    if not url:
        return
    client = async_redis(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.publish(conf.redis_channel(), redis_message(live_event))
    except Exception:
        logger.exception("live event %s not published on Redis", live_event.pk)


def event_data(channel: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    """The event's data as it is stored (JSON's types), once its channel, name and
    size are checked."""
    if not channel_is_valid(channel):
        raise ValidationError(f"Unknown live channel: {channel!r}")
    if not EVENT_PATTERN.match(event):
        raise ValidationError(f"Invalid live event name: {event!r}")
    if not isinstance(data, dict):
        raise ValidationError("Live event data must be a dict.")
    serialized = json.dumps(data, cls=DjangoJSONEncoder)
    if len(serialized.encode()) > MAX_DATA_BYTES:
        raise ValidationError("Live event data too large.")
    stored: dict[str, Any] = json.loads(serialized)
    return stored


def event_publish(*, channel: str, event: str, data: dict[str, Any]) -> LiveEvent:
    """Store an event for the readers of ``channel`` and push it to every server
    process once the surrounding transaction commits (so that no reader ever sees
    an event whose data was rolled back).

    Channels: ``flashes``, ``article:<id>:blog``, ``article:<id>:comments``.
    ``data`` must be JSON-serialisable (dates are turned into ISO strings) and
    small (it is sent to every open page)."""
    # One INSERT needs no transaction of its own: in the caller's, the event commits
    # with what it announces; outside any, on_commit runs at once.
    live_event = LiveEvent(
        channel=channel, event=event, data=event_data(channel, event, data)
    )
    row_insert(live_event)
    transaction.on_commit(lambda: _redis_publish(live_event))
    return live_event


def event_prune(*, older_than: timedelta | None = None) -> int:
    """Delete events past their retention (periodic job)."""
    age = older_than or timedelta(seconds=conf.retention_seconds())
    deleted, _ = LiveEvent.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
