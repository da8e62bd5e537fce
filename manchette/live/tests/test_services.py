from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from manchette.live import conf
from manchette.live.models import LiveEvent
from manchette.live.selectors import event_last_id, event_list_after
from manchette.live.services import event_prune, event_publish

pytestmark = pytest.mark.django_db


def test_event_publish_stores_the_event_with_an_increasing_id():
    first = event_publish(channel="flashes", event="flash", data={"text": "Un"})
    second = event_publish(
        channel="article:12:comments",
        event="comment",
        data={"at": timezone.now(), "text": "Deux"},
    )
    assert second.pk > first.pk
    assert event_last_id() == second.pk
    stored = LiveEvent.objects.get(pk=second.pk)
    assert stored.channel == "article:12:comments"
    assert isinstance(stored.data["at"], str)  # dates are sent as ISO text
    assert list(event_list_after(after=first.pk, channels=["flashes"])) == []


@pytest.mark.parametrize(
    ("channel", "event", "data"),
    [
        ("article:12", "flash", {}),
        ("comments", "flash", {}),
        ("flashes", "Flash!", {}),
        ("flashes", "flash", ["not", "a", "dict"]),
        ("flashes", "flash", {"text": "x" * 40000}),
    ],
)
def test_event_publish_rejects_unknown_channels_and_bad_data(channel, event, data):
    with pytest.raises(ValidationError):
        event_publish(channel=channel, event=event, data=data)
    assert LiveEvent.objects.count() == 0


@pytest.mark.skipif(not conf.redis_url(), reason="needs REDIS_URL")
@pytest.mark.django_db(transaction=True)
def test_event_publish_reaches_redis_only_once_committed():
    import redis

    client = redis.Redis.from_url(conf.redis_url())
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(conf.redis_channel())
    with transaction.atomic():
        event = event_publish(channel="flashes", event="flash", data={"text": "x"})
        assert pubsub.get_message(timeout=0.2) is None
    message = pubsub.get_message(timeout=5)
    assert json.loads(message["data"])["id"] == event.pk
    pubsub.close()


def test_event_prune_deletes_only_old_events():
    old = event_publish(channel="flashes", event="flash", data={})
    LiveEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    recent = event_publish(channel="flashes", event="flash", data={})
    assert event_prune() == 1
    assert list(LiveEvent.objects.values_list("pk", flat=True)) == [recent.pk]
