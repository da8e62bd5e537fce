"""Record, then release: over SMTP a message is delivered only once the server reads
the end of DATA (a line holding a single "."). The worker sends the whole body, commits
the delivery as sent, and only then writes that last line. A connection cut before it
leaves the server with nothing to deliver; a refusal after it puts the row back."""

from __future__ import annotations

import smtplib
import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from manchette.newsletter import services
from manchette.newsletter.models import (
    Delivery,
    DeliveryStatus,
    EditionStatus,
    SendWorker,
    Suppression,
)
from manchette.newsletter.selectors import edition_stats
from manchette.newsletter.services.sending import _hand_over, _heartbeat
from manchette.newsletter.smtp_release import smtp_send_recorded
from manchette.newsletter.tests.factories import (
    SMTP_SENDER,
    claimed_deliveries,
    default_list,
    make_edition,
    make_subscriber,
    raw_message,
)

pytestmark = pytest.mark.django_db


def _claimed_delivery(email: str) -> Delivery:
    (delivery,) = claimed_deliveries([email])
    return delivery


def test_the_server_delivers_only_after_the_row_is_recorded_sent(sink):
    delivery = _claimed_delivery("lecteur@exemple.fr")
    at_record: dict[str, object] = {}

    def record() -> bool:
        at_record["received by the server"] = list(sink.received)
        handed_over = _hand_over([delivery], "w") == {delivery.pk}
        at_record["row"] = Delivery.objects.get(pk=delivery.pk).status
        return handed_over

    connection = smtplib.SMTP("127.0.0.1", sink.port)
    assert smtp_send_recorded(
        connection,
        SMTP_SENDER,
        ["lecteur@exemple.fr"],
        raw_message("lecteur@exemple.fr"),
        record=record,
    )
    assert at_record == {"received by the server": [], "row": DeliveryStatus.SENT}
    # The last line leaves at once, not held back by Nagle's algorithm.
    assert connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    assert sink.recipients() == {"lecteur@exemple.fr": 1}
    # The same bytes reach the server as through smtplib's own sendmail().
    connection.sendmail(
        SMTP_SENDER, ["lecteur@exemple.fr"], raw_message("lecteur@exemple.fr")
    )
    connection.quit()
    first, second = sink.messages
    assert first == second
    # The server reads the message as written: periods at line starts kept, a
    # final line break added.
    assert first == raw_message("lecteur@exemple.fr") + b"\r\n"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None


def test_a_message_cut_before_its_last_line_is_not_delivered(sink):
    """The row was given back by the watchdog while its worker was still sending
    (taken for dead): the worker cannot record it, so it cuts the connection before
    the last line, and the server drops the message."""
    delivery = _claimed_delivery("lecteur@exemple.fr")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, worker=""
    )
    connection = smtplib.SMTP("127.0.0.1", sink.port)
    assert not smtp_send_recorded(
        connection,
        SMTP_SENDER,
        ["lecteur@exemple.fr"],
        raw_message("lecteur@exemple.fr"),
        record=lambda: bool(_hand_over([delivery], "w")),
    )
    assert connection.sock is None  # cut, without the last line
    # A whole message on a new connection reaches the server after the cut one.
    other = smtplib.SMTP("127.0.0.1", sink.port)
    other.sendmail(SMTP_SENDER, ["autre@exemple.fr"], raw_message("autre@exemple.fr"))
    other.quit()
    assert sink.recipients() == {"autre@exemple.fr": 1}
    assert sink.begun_not_received() == {"lecteur@exemple.fr": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # for the next worker
    assert delivery.attempts == 0


def test_a_failed_record_cuts_the_message_too(sink):
    connection = smtplib.SMTP("127.0.0.1", sink.port)

    def record() -> bool:
        raise RuntimeError("base de données injoignable")

    with pytest.raises(RuntimeError):
        smtp_send_recorded(
            connection,
            SMTP_SENDER,
            ["lecteur@exemple.fr"],
            raw_message("lecteur@exemple.fr"),
            record=record,
        )
    assert connection.sock is None
    other = smtplib.SMTP("127.0.0.1", sink.port)
    other.sendmail(SMTP_SENDER, ["autre@exemple.fr"], raw_message("autre@exemple.fr"))
    other.quit()
    assert set(sink.recipients()) == {"autre@exemple.fr"}


def test_temporary_refusal_at_the_end_of_the_message_is_retried_later(
    sink, committed, settings
):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    make_subscriber("ok@exemple.fr", lists=[default_list()])
    make_subscriber("plein@exemple.fr", lists=[default_list()])
    sink.data_answers["plein@exemple.fr"] = ["452 4.2.2 Boite pleine"]
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    assert set(sink.recipients()) == {"ok@exemple.fr"}
    assert sink.begun_not_received() == {"plein@exemple.fr": 1}
    delayed = Delivery.objects.get(email="plein@exemple.fr")
    assert delayed.status == DeliveryStatus.PENDING
    assert delayed.attempts == 1
    assert delayed.sent_at is None
    assert "452" in delayed.last_error
    assert delayed.next_attempt_at > timezone.now() + timedelta(seconds=50)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENDING
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        committed(services.send_watchdog)
    assert sink.recipients() == {"ok@exemple.fr": 1, "plein@exemple.fr": 1}
    delayed.refresh_from_db()
    assert delayed.status == DeliveryStatus.SENT
    assert delayed.attempts == 2
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT


def test_permanent_refusal_at_the_end_of_the_message_fails_and_suppresses(
    sink, committed
):
    make_subscriber("ok@exemple.fr", lists=[default_list()])
    make_subscriber("refuse@exemple.fr", lists=[default_list()])
    sink.data_answers["refuse@exemple.fr"] = ["554 5.7.1 Message refuse"]
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    assert set(sink.recipients()) == {"ok@exemple.fr"}
    refused = Delivery.objects.get(email="refuse@exemple.fr")
    assert refused.status == DeliveryStatus.FAILED
    assert refused.sent_at is None
    assert "554" in refused.last_error
    assert Suppression.objects.filter(email="refuse@exemple.fr").exists()
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
    assert edition_stats(edition=edition)["delivered"] == 1


def test_an_edition_is_not_finished_while_a_worker_may_still_hear_a_refusal():
    """A worker's last message is recorded sent before the server answers: another
    worker that finds nothing left to claim does not finish the edition yet."""
    subscriber = make_subscriber("dernier@exemple.fr", lists=[default_list()])
    edition = make_edition(status=EditionStatus.SENDING, total=1)
    Delivery.objects.create(
        edition=edition,
        subscriber=subscriber,
        email=subscriber.email,
        status=DeliveryStatus.SENT,
        worker="w",
    )
    _heartbeat(worker_id="w", edition_id=edition.pk)  # worker "w" awaits the answer
    assert not services.edition_finish_if_done(edition_id=edition.pk)
    SendWorker.objects.filter(worker_id="w").delete()  # it has stopped
    assert services.edition_finish_if_done(edition_id=edition.pk)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
