"""The hot paths' own reads and writes give what the ORM's would, in fewer steps."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from wagtail.models import TranslatableMixin

from manchette.core.db import instance_first, instances_read, row_insert, row_update
from manchette.discussions.models import Comment, Identity
from manchette.discussions.tests.factories import make_identity
from manchette.live.models import LiveEvent
from manchette.newsroom.tests.factories import make_article, make_site

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_as_the_orm_would_have_saved_it():
    event = LiveEvent(channel="flashes", event="flash", data={"titre": "« Urgent »"})

    assert row_insert(event) is True

    assert event.pk is not None and not event._state.adding
    stored = LiveEvent.objects.get(pk=event.pk)
    assert (stored.channel, stored.event, stored.data) == (
        "flashes",
        "flash",
        {"titre": "« Urgent »"},
    )
    assert stored.created_at == event.created_at


def test_a_value_already_taken_inserts_nothing_and_the_transaction_goes_on():
    article = make_article(make_site().sections["france"])
    identity = make_identity()

    def comment():
        return Comment(
            article=article,
            identity=identity,
            author_name="Camille",
            body_raw="Deux fois",
            body_html="<p>Deux fois</p>",
            idempotency_key="même-formulaire",
        )

    with transaction.atomic():
        first = comment()
        assert row_insert(first, unless_taken="idempotency_key") is True
        assert row_insert(comment(), unless_taken="idempotency_key") is False
        # (on PostgreSQL an error would have aborted the transaction here)
        assert Comment.objects.filter(article=article).count() == 1

    assert Comment.objects.get(idempotency_key="même-formulaire").pk == first.pk


@pytest.mark.parametrize("model", [Comment, Identity, LiveEvent])
def test_nobody_listens_to_the_saves_that_row_insert_skips(model):
    """row_insert sends no signal: the models it writes must have no receiver that
    would act on them (Wagtail's locale receiver acts on translatable models only)."""
    for signal in (pre_save, post_save):
        receivers = [
            receiver
            for receiver in signal._live_receivers(model)[0]
            if receiver.__name__ != "set_locale_on_new_instance"
        ]
        assert receivers == [], receivers
    assert not issubclass(model, TranslatableMixin)


def test_a_row_updated_by_hand_changes_only_the_fields_named():
    identity = make_identity(name="Avant", email="avant@example.org")
    identity.name, identity.email = "Après", "jamais@example.org"

    row_update(identity, ["name"])

    identity.refresh_from_db()
    assert (identity.name, identity.email) == ("Après", "avant@example.org")


def test_rows_read_by_hand_become_instances_with_python_values():
    identity = make_identity(name="Zoé", email="zoe@example.org")

    found = instance_first(Identity, "token = %s", [identity.token])

    assert found is not None and found.pk == identity.pk
    assert (found.name, found.email, found.trust) == ("Zoé", "zoe@example.org", "new")
    assert isinstance(found.created_at, datetime) and found.created_at.tzinfo
    assert instance_first(Identity, "token = %s", ["inconnu"]) is None


def test_extra_values_come_as_attributes_and_unread_columns_are_left_deferred():
    identity = make_identity(name="Inès")

    (found,) = instances_read(
        Identity,
        'SELECT "id", "name", 41 + 1 FROM "discussions_identity" WHERE "id" = %s',
        [identity.pk],
        columns=["id", "name"],
        extra=["answer"],
    )

    assert (found.pk, found.name, found.answer) == (identity.pk, "Inès", 42)
    assert "email" in found.get_deferred_fields()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_each_request_context_uses_the_process_redis_connection():
    """Django keeps one cache instance per context, and the page server runs each
    request in its own: the instances must share the process's connections."""
    one = caches.create_connection(DEFAULT_CACHE_ALIAS)
    other = caches.create_connection(DEFAULT_CACHE_ALIAS)
    one.set("shared-pool-check", 1)
    other.get("shared-pool-check")

    clients = [cache._cache.get_client(write=True) for cache in (one, other)]  # type: ignore[attr-defined]
    assert clients[0] is clients[1]
    assert clients[0].client_id() == clients[1].client_id()
