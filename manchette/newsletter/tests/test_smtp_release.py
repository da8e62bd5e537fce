"""Record, then release, in groups: one message on each of several SMTP connections,
the group recorded in one commit, then the last lines. Against a real SMTP server on
loopback (aiosmtpd)."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from manchette.newsletter import services
from manchette.newsletter.models import (
    Delivery,
    DeliveryStatus,
    EditionStatus,
    Suppression,
)
from manchette.newsletter.services import sending
from manchette.newsletter.smtp_release import (
    Outgoing,
    RefusedAfterHandOver,
    smtp_send_recorded_group,
)
from manchette.newsletter.tests.factories import (
    SMTP_SENDER,
    claimed_deliveries,
    default_list,
    make_edition,
    make_subscriber,
    raw_message,
)

pytestmark = pytest.mark.django_db


def _group(sink, addresses: list[str]) -> list[Outgoing]:
    return [
        Outgoing(
            smtplib.SMTP("127.0.0.1", sink.port),
            SMTP_SENDER,
            [address],
            raw_message(address),
        )
        for address in addresses
    ]


def _settle(sink) -> None:
    """A whole message on a new connection: the server has dealt with everything
    sent before it."""
    other = smtplib.SMTP("127.0.0.1", sink.port)
    other.sendmail(SMTP_SENDER, ["temoin@exemple.fr"], raw_message("temoin@exemple.fr"))
    other.quit()


def test_a_group_is_delivered_only_after_one_record_and_as_sendmail_sends(sink):
    addresses = ["un@exemple.fr", "deux@exemple.fr", "trois@exemple.fr"]
    deliveries = claimed_deliveries(addresses)
    group = _group(sink, addresses)
    records: list[dict[str, object]] = []

    def record(begun: list[Outgoing]) -> list[Outgoing]:
        recorded = sending._hand_over(deliveries, "w")
        records.append(
            {
                "begun": [out.to_addrs[0] for out in begun],
                "received by the server": list(sink.received),
                "rows": set(
                    Delivery.objects.filter(pk__in=recorded).values_list(
                        "status", flat=True
                    )
                ),
            }
        )
        return begun

    smtp_send_recorded_group(group, record=record)
    assert records == [
        {
            "begun": addresses,
            "received by the server": [],
            "rows": {DeliveryStatus.SENT},
        }
    ]
    assert [(out.delivered, out.recorded, out.error) for out in group] == [
        (True, True, None)
    ] * 3
    # The same bytes as smtplib's own sendmail() sends, on each connection.
    for out in group:
        out.conn.sendmail(SMTP_SENDER, out.to_addrs, out.msg)
        out.conn.quit()
    assert sink.recipients() == dict.fromkeys(addresses, 2)
    by_recipient: dict[bytes, list[bytes]] = {}
    for message in sink.messages:
        by_recipient.setdefault(message.split(b"\r\n")[1], []).append(message)
    for address in addresses:
        assert (
            by_recipient[b"To: " + address.encode()]
            == [raw_message(address) + b"\r\n"] * 2
        )


def test_a_message_no_longer_ours_is_cut_and_the_rest_of_its_group_delivered(sink):
    """One row of the group was given back by the watchdog meanwhile (its worker
    taken for dead): the record leaves it out, its connection is cut before the
    last line, and the server drops it; the others are delivered."""
    addresses = ["un@exemple.fr", "repris@exemple.fr", "trois@exemple.fr"]
    deliveries = claimed_deliveries(addresses)
    Delivery.objects.filter(email="repris@exemple.fr").update(
        status=DeliveryStatus.PENDING, worker=""
    )
    group = _group(sink, addresses)
    smtp_send_recorded_group(
        group,
        record=lambda begun: sending._group_record(
            dict(zip(group, deliveries, strict=True)), "w", begun
        ),
    )
    cut = group[1]
    assert (cut.delivered, cut.recorded, cut.error) == (False, False, None)
    assert cut.conn.sock is None
    assert all(out.delivered for out in (group[0], group[2]))
    _settle(sink)
    assert set(sink.recipients()) == {
        "un@exemple.fr",
        "trois@exemple.fr",
        "temoin@exemple.fr",
    }
    assert sink.begun_not_received() == {"repris@exemple.fr": 1}
    assert Delivery.objects.get(email="repris@exemple.fr").status == (
        DeliveryStatus.PENDING
    )


def test_a_worker_dying_between_the_group_commit_and_the_last_lines_doubles_nobody(
    sink, committed
):
    """The window left (docs/decisions.md): the group is recorded sent, the worker
    dies before writing the last lines (here its error closes the connections as
    the kernel would). The servers drop the whole group, whose rows say sent: those
    copies are skipped, and neither the watchdog nor the next worker sends them
    again."""
    addresses = ["un@exemple.fr", "deux@exemple.fr"]
    deliveries = claimed_deliveries(addresses)
    group = _group(sink, addresses)

    def record_then_die(begun: list[Outgoing]) -> list[Outgoing]:
        sending._hand_over(deliveries, "w")
        raise KeyboardInterrupt  # stands for the SIGKILL: nothing after runs

    with pytest.raises(KeyboardInterrupt):
        smtp_send_recorded_group(group, record=record_then_die)
    assert all(out.conn.sock is None for out in group)
    _settle(sink)
    assert set(sink.recipients()) == {"temoin@exemple.fr"}
    assert sink.begun_not_received() == dict.fromkeys(addresses, 1)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        committed(services.send_watchdog)
    assert set(sink.recipients()) == {"temoin@exemple.fr"}
    assert set(
        Delivery.objects.filter(email__in=addresses).values_list("status", flat=True)
    ) == {DeliveryStatus.SENT}


def test_every_outcome_within_one_group(sink, committed, settings, monkeypatch):
    """Four connections, so the first four subscribers go as one group: one is
    refused at RCPT (before the record), one is refused after its last line for a
    while (4xx), one for good (5xx); the fourth is delivered, and so is the next
    group, on the same connections."""
    settings.NEWSLETTER_SMTP_CONNECTIONS = 4
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    addresses = [
        "livre@exemple.fr",
        "inconnu@exemple.fr",
        "plein@exemple.fr",
        "refuse@exemple.fr",
        "suivant1@exemple.fr",
        "suivant2@exemple.fr",
    ]
    for address in addresses:
        make_subscriber(address, lists=[default_list()])
    sink.rcpt_answers["inconnu@exemple.fr"] = ["550 5.1.1 Inconnu"]
    sink.data_answers["plein@exemple.fr"] = ["452 4.2.2 Boite pleine"]
    sink.data_answers["refuse@exemple.fr"] = ["554 5.7.1 Message refuse"]
    groups: list[list[str]] = []
    hand_over = sending._hand_over

    def observed_hand_over(deliveries: list[Delivery], worker_id: str) -> set[int]:
        groups.append([delivery.email for delivery in deliveries])
        return hand_over(deliveries, worker_id)

    monkeypatch.setattr(sending, "_hand_over", observed_hand_over)
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    # One record per group; the refusal at RCPT never reached it.
    assert groups == [
        ["livre@exemple.fr", "plein@exemple.fr", "refuse@exemple.fr"],
        ["suivant1@exemple.fr", "suivant2@exemple.fr"],
    ]
    assert sink.recipients() == {
        "livre@exemple.fr": 1,
        "suivant1@exemple.fr": 1,
        "suivant2@exemple.fr": 1,
    }
    rows = {d.email: d for d in Delivery.objects.filter(edition=edition)}
    assert rows["inconnu@exemple.fr"].status == DeliveryStatus.FAILED
    assert "550" in rows["inconnu@exemple.fr"].last_error
    assert rows["plein@exemple.fr"].status == DeliveryStatus.PENDING
    assert rows["plein@exemple.fr"].attempts == 1
    assert rows["plein@exemple.fr"].next_attempt_at > timezone.now() + timedelta(
        seconds=50
    )
    assert rows["refuse@exemple.fr"].status == DeliveryStatus.FAILED
    assert rows["refuse@exemple.fr"].sent_at is None
    assert set(
        Suppression.objects.filter(email__in=addresses).values_list("email", flat=True)
    ) == {"inconnu@exemple.fr", "refuse@exemple.fr"}
    for address in ("livre@exemple.fr", "suivant1@exemple.fr", "suivant2@exemple.fr"):
        assert rows[address].status == DeliveryStatus.SENT
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENDING  # one retry still due
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        committed(services.send_watchdog)
    assert sink.recipients()["plein@exemple.fr"] == 1
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT


def test_a_reply_lost_after_a_last_line_keeps_the_row_sent_with_the_doubt(sink):
    """The server received the last line (and delivered), its reply never came: the
    row stays sent, never sent again, with the doubt written down."""
    addresses = ["un@exemple.fr", "perdu@exemple.fr"]
    deliveries = claimed_deliveries(addresses)
    group = _group(sink, addresses)
    lost = group[1]

    def record(begun: list[Outgoing]) -> set[Outgoing]:
        recorded = sending._group_record(
            dict(zip(group, deliveries, strict=True)), "w", begun
        )
        # Whatever the server answers on that connection from now on is lost.
        lost.conn.file = io.BytesIO()
        return recorded

    smtp_send_recorded_group(group, record=record)
    assert group[0].delivered
    assert isinstance(lost.error, RefusedAfterHandOver)
    assert (lost.delivered, lost.recorded) == (False, True)
    assert sending._outcome_record(deliveries[1], "w", lost) is False
    row = Delivery.objects.get(email="perdu@exemple.fr")
    assert row.status == DeliveryStatus.SENT
    assert "perdue" in row.last_error
    _settle(sink)
    assert sink.recipients() == {
        "un@exemple.fr": 1,
        "perdu@exemple.fr": 1,
        "temoin@exemple.fr": 1,
    }


def test_a_server_taking_fewer_connections_gets_smaller_groups(
    sink, committed, settings, monkeypatch
):
    """Four connections wanted, the third refused: the batch goes out over two, in
    groups of two, instead of failing."""
    settings.NEWSLETTER_SMTP_CONNECTIONS = 4
    addresses = [f"lecteur{i}@exemple.fr" for i in range(5)]
    for address in addresses:
        make_subscriber(address, lists=[default_list()])
    opened: list[object] = []
    real_get_connection = sending.get_connection

    def refused() -> bool:
        raise ConnectionRefusedError

    def get_connection() -> object:
        backend = real_get_connection()
        opened.append(backend)
        if len(opened) == 3:
            monkeypatch.setattr(backend, "open", refused)
        return backend

    monkeypatch.setattr(sending, "get_connection", get_connection)
    groups: list[int] = []
    hand_over = sending._hand_over

    def observed_hand_over(deliveries: list[Delivery], worker_id: str) -> set[int]:
        groups.append(len(deliveries))
        return hand_over(deliveries, worker_id)

    monkeypatch.setattr(sending, "_hand_over", observed_hand_over)
    edition = make_edition()
    committed(services.edition_send_start, edition=edition)
    assert groups == [2, 2, 1]
    assert sink.recipients() == dict.fromkeys(addresses, 1)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.SENT
