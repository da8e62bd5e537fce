from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from manchette.newsletter import services
from manchette.newsletter.models import (
    Delivery,
    DeliveryStatus,
    EditionStatus,
    SendWorker,
    Suppression,
)
from manchette.newsletter.tests.factories import (
    default_list,
    make_edition,
    make_subscriber,
    make_subscribers,
)

pytestmark = pytest.mark.django_db


def _statuses(edition):
    return dict(
        Delivery.objects.filter(edition=edition)
        .values_list("status")
        .annotate(n=Count("pk"))
    )


def test_every_subscriber_gets_exactly_one_copy(sink, committed, settings):
    settings.NEWSLETTER_BATCH_SIZE = 7  # several batches, several connections
    subscribers = make_subscribers(40, newsletter_list=default_list())
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    counts = sink.recipients()
    assert set(counts) == {s.email for s in subscribers}
    assert set(counts.values()) == {1}
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
    assert edition.total == 40
    assert _statuses(edition) == {DeliveryStatus.SENT: 40}
    assert not SendWorker.objects.exists()


def test_second_start_of_the_same_edition_sends_nothing_more(sink, committed):
    make_subscribers(5, newsletter_list=default_list())
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    committed(services.edition_send_start, edition=edition)
    assert sum(sink.recipients().values()) == 5


def test_paused_suppressed_and_other_lists_are_not_sent(sink, committed):
    digest = default_list()
    make_subscriber("actif@exemple.fr", lists=[digest])
    make_subscriber("pause@exemple.fr", lists=[digest], paused=True)
    make_subscriber("rebond@exemple.fr", lists=[digest])
    make_subscriber("alertes@exemple.fr", lists=[default_list("alerts")])
    Suppression.objects.create(email="rebond@exemple.fr", reason="bounce")
    committed(services.edition_send_start, edition=make_edition())
    assert set(sink.recipients()) == {"actif@exemple.fr"}


def test_temporary_refusal_is_retried_later_with_backoff(sink, committed, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    make_subscriber("ok@exemple.fr", lists=[default_list()])
    make_subscriber("lent@exemple.fr", lists=[default_list()])
    sink.rcpt_answers["lent@exemple.fr"] = ["451 4.3.0 Reessayez plus tard"]
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    assert set(sink.recipients()) == {"ok@exemple.fr"}
    delayed = Delivery.objects.get(email="lent@exemple.fr")
    assert delayed.status == DeliveryStatus.PENDING
    assert delayed.attempts == 1
    assert delayed.next_attempt_at > timezone.now() + timedelta(seconds=50)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENDING
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        committed(services.send_watchdog)
    assert sink.recipients() == {"ok@exemple.fr": 1, "lent@exemple.fr": 1}
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT


def test_permanent_refusal_stops_and_suppresses_the_address(sink, committed):
    make_subscriber("inconnu@exemple.fr", lists=[default_list()])
    sink.rcpt_answers["inconnu@exemple.fr"] = ["550 5.1.1 Boite inconnue"] * 3
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "550" in delivery.last_error
    assert Suppression.objects.filter(email="inconnu@exemple.fr").exists()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        committed(services.send_watchdog)
    assert sink.received == []


def test_claims_never_overlap():
    make_subscribers(10, newsletter_list=default_list())
    edition = make_edition(status=EditionStatus.SENDING)
    from manchette.newsletter.services.sending import _eligible_subscribers

    Delivery.objects.bulk_create(
        [
            Delivery(edition=edition, subscriber=s, email=s.email)
            for s in _eligible_subscribers(edition)
        ]
    )
    first = services.deliveries_claim(edition_id=edition.pk, worker_id="a", limit=6)
    second = services.deliveries_claim(edition_id=edition.pk, worker_id="b", limit=6)
    assert len(first) == 6 and len(second) == 4
    assert not {d.pk for d in first} & {d.pk for d in second}


def test_claims_of_a_dead_worker_are_sent_by_the_next(sink, committed, settings):
    subscribers = make_subscribers(6, newsletter_list=default_list())
    edition = make_edition(status=EditionStatus.SENDING, total=6)
    Delivery.objects.bulk_create(
        [Delivery(edition=edition, subscriber=s, email=s.email) for s in subscribers]
    )
    services.deliveries_claim(edition_id=edition.pk, worker_id="mort", limit=4)
    SendWorker.objects.create(
        worker_id="mort", edition=edition, heartbeat_at=timezone.now()
    )
    committed(services.send_watchdog)  # the dead worker's lease still runs
    assert sink.received == []
    settings.NEWSLETTER_LEASE_SECONDS = 120
    with time_machine.travel(timezone.now() + timedelta(seconds=125)):
        committed(services.send_watchdog)
    assert sink.recipients() == {s.email: 1 for s in subscribers}
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT


def test_pause_stops_sending_and_resume_finishes(sink, committed):
    subscribers = make_subscribers(8, newsletter_list=default_list())
    edition = make_edition(status=EditionStatus.SENDING, total=8)
    Delivery.objects.bulk_create(
        [Delivery(edition=edition, subscriber=s, email=s.email) for s in subscribers]
    )
    services.edition_pause(edition=edition)
    assert services.edition_send_run(edition_id=edition.pk, worker_id="w") == 0
    assert sink.received == []
    committed(services.edition_resume, edition=edition)
    assert len(sink.recipients()) == 8
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT


def test_scheduled_edition_starts_when_due(sink, committed):
    make_subscriber(lists=[default_list()])
    edition = make_edition()
    at = timezone.now() + timedelta(hours=1)
    services.edition_schedule(edition=edition, at=at)
    committed(services.send_watchdog)
    assert sink.received == []
    with time_machine.travel(at + timedelta(seconds=1)):
        committed(services.send_watchdog)
    assert len(sink.received) == 1


def test_send_start_queues_tasks_in_the_database_backend(settings, committed):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    make_subscriber(lists=[default_list()])
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    [task] = DBTaskResult.objects.filter(task_path__startswith="manchette.newsletter")
    assert task.task_path.endswith("edition_prepare_task")
    assert task.args_kwargs["args"] == [edition.pk]
    assert not Delivery.objects.exists()  # a worker will do it
