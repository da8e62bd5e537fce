"""The sending engine: one delivery row per (edition, subscriber), claimed in batches
by workers, sent over a few SMTP connections per batch (one message of each group
on each), each group recorded as handed over before the servers can deliver it
("record, then release", `newsletter/smtp_release.py`).

The guarantee (also in docs/decisions.md and docs/benchmarks.md, "Newsletter"):

- Over SMTP a server delivers a message only once it has read the final
  "<CRLF>.<CRLF>" of DATA; a connection that drops before it makes the server
  discard the message. So the worker sends, on each of its connections, MAIL,
  RCPT, DATA and a whole body without that terminator, commits the group's rows
  as `sent` (handed over) in one transaction, and only then writes the
  terminators and reads the replies.
- A worker killed before that commit leaves the rows in "sending" and the servers
  without the terminators: the messages are discarded, and once the worker's
  heartbeat is older than the lease the watchdog puts the row back to "pending"
  for another worker. A worker killed after a terminator leaves a row that
  already says `sent`: it is never sent again. Nobody receives two copies.
- What is left skips copies instead of doubling them (the rows say `sent`): a kill
  after the hand-over's COMMIT has left for the database and before the group's
  terminators are all written (in-process on SQLite: microseconds, one small write
  per connection; on PostgreSQL the COMMIT's round trip, see `_hand_over`), a kill
  between a refusal after the terminator (4xx/5xx) and the row's update, and a
  connection lost while waiting for the reply to the terminator (the row stays
  `sent`, with the doubt in `last_error`).
- A 4xx/5xx reply after the terminator turns the row back to "pending" (retried
  with backoff) or "failed" (address suppressed), as a refusal at RCPT does; an
  edition is therefore finished only once no worker is still on it.
- Through a provider's HTTP API (django-anymail) the message cannot be split:
  the row is marked `sent` after the provider's answer, and a kill during the
  HTTP request can still cause one duplicate (same Message-ID).
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

from manchette.core.db import commit_without_waiting_for_disk
from manchette.newsletter import conf
from manchette.newsletter.emails import (
    RenderedEdition,
    edition_message,
    edition_render,
    edition_wire_fill,
    edition_wire_template,
)
from manchette.newsletter.models import (
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    SendWorker,
    Subscriber,
    Suppression,
    SuppressionReason,
)
from manchette.newsletter.smtp_release import (
    Outgoing,
    RefusedAfterHandOver,
    smtp_send_recorded_group,
)

logger = logging.getLogger("manchette.newsletter")
PAUSE_CHECK_EVERY = 50  # messages between two looks at the edition's status


def worker_id_new() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@transaction.atomic
def edition_send_start(*, edition: Edition) -> Edition:
    """Start sending now (a second click, or a scheduled start racing an editor,
    changes nothing)."""
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    if locked.status not in (EditionStatus.DRAFT, EditionStatus.SCHEDULED):
        return locked
    locked.status = EditionStatus.SENDING
    locked.started_at = timezone.now()
    locked.workers_requested_at = timezone.now()
    locked.save(update_fields=["status", "started_at", "workers_requested_at"])
    from manchette.newsletter.tasks import edition_prepare_task

    transaction.on_commit(lambda: edition_prepare_task.enqueue(locked.pk))
    return locked


def _eligible_subscribers(edition: Edition) -> Any:
    return (
        Subscriber.objects.filter(
            subscriptions__newsletter_list_id=edition.newsletter_list_id, paused=False
        )
        .exclude(email__in=Suppression.objects.values("email"))
        .order_by("pk")
    )


def edition_deliveries_prepare(*, edition_id: int, chunk: int = 5000) -> int:
    """Write the whole delivery log at once, in one transaction: either every
    recipient has a row or none has (a crash here is simply prepared again)."""
    edition = Edition.objects.get(pk=edition_id)
    if edition.status not in (EditionStatus.SENDING, EditionStatus.PAUSED):
        return 0
    with transaction.atomic():
        if not Delivery.objects.filter(edition=edition).exists():
            last = 0
            subscribers = _eligible_subscribers(edition)
            while True:
                rows = list(
                    subscribers.filter(pk__gt=last).values_list("pk", "email")[:chunk]
                )
                if not rows:
                    break
                Delivery.objects.bulk_create(
                    [
                        Delivery(edition=edition, subscriber_id=pk, email=email)
                        for pk, email in rows
                    ],
                    ignore_conflicts=True,
                )
                last = rows[-1][0]
        total = Delivery.objects.filter(edition=edition).count()
        Edition.objects.filter(pk=edition.pk).update(total=total)
    edition_workers_request(edition_id=edition.pk)
    return total


def edition_workers_request(*, edition_id: int) -> None:
    from manchette.newsletter.tasks import edition_send_task

    Edition.objects.filter(pk=edition_id).update(workers_requested_at=timezone.now())
    for _ in range(conf.send_concurrency()):
        edition_send_task.enqueue(edition_id)


def _heartbeat(*, worker_id: str, edition_id: int) -> None:
    SendWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"edition_id": edition_id, "heartbeat_at": timezone.now()},
    )


def deliveries_claim(*, edition_id: int, worker_id: str, limit: int) -> list[Delivery]:
    """Move up to `limit` due pending deliveries to "sending" under this worker's
    name, atomically: two workers never claim the same row."""
    now = timezone.now()
    due = (
        Delivery.objects.filter(edition_id=edition_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
    )
    claim = {"status": DeliveryStatus.SENDING, "worker": worker_id, "claimed_at": now}
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            ids = list(
                due.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                    :limit
                ]
            )
            Delivery.objects.filter(pk__in=ids).update(**claim)
        else:
            # SQLite: one UPDATE holds the database's write lock from the subquery
            # to the last row, so the claim is atomic as it stands.
            Delivery.objects.filter(
                pk__in=Subquery(due.values("pk")[:limit]),
                status=DeliveryStatus.PENDING,
            ).update(**claim)
    return list(
        Delivery.objects.filter(
            edition_id=edition_id, status=DeliveryStatus.SENDING, worker=worker_id
        )
        .select_related("subscriber")
        .order_by("pk")
    )


def _smtp_code(exc: BaseException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    code = getattr(exc, "smtp_code", None)
    return code if isinstance(code, int) else None


def _is_permanent(exc: BaseException) -> bool:
    code = _smtp_code(exc)
    if code is not None:
        return code >= 500
    return type(exc).__name__ in ("AnymailRecipientsRefused", "AnymailInvalidAddress")


def _ours(pks: list[int], worker_id: str, was: str) -> Any:
    # Only while a row is still ours: a worker taken for dead whose claim was
    # released must not overwrite what its successor did.
    return Delivery.objects.filter(pk__in=pks, status=was, worker=worker_id)


def _mark(
    delivery: Delivery,
    worker_id: str,
    *,
    was: str = DeliveryStatus.SENDING,
    **fields: Any,
) -> int:
    """Update one row if it is still ours; returns 1 if it was."""
    return int(_ours([delivery.pk], worker_id, was).update(**fields))


def _hand_over(deliveries: list[Delivery], worker_id: str) -> set[int]:
    """Commit the rows as sent, before the server is allowed to deliver; returns the
    ids of those recorded (the others are no longer ours).

    One transaction for a whole group (one commit for K messages), of its own rather
    than one autocommitted UPDATE: PostgreSQL finishes and commits a statement
    already received even if its client has died meanwhile (killed while the UPDATE
    waited for a lock, say), which would record messages that never got their last
    line. Within a transaction, a worker killed before its COMMIT leaves a
    transaction that the server rolls back; only the COMMIT's own round trip is in
    doubt. On PostgreSQL that COMMIT does not wait for the WAL to reach the disk
    (`synchronous_commit` off, for this transaction only): the wait (about 5 ms
    here) would lie inside that window, where a kill skips copies. The price: a
    crash of the database server itself can lose the last fraction of a second of
    these records, whose messages would then be sent again."""
    pks = [delivery.pk for delivery in deliveries]
    with transaction.atomic():
        commit_without_waiting_for_disk()
        if _mark_sent(deliveries, worker_id) == len(pks):
            return set(pks)
        # Some were given back meanwhile: the rows now sent under this worker's
        # name in the group are exactly those just updated (a row is in a group
        # only while it is being sent).
        return set(
            _ours(pks, worker_id, DeliveryStatus.SENT).values_list("pk", flat=True)
        )


def _mark_sent(deliveries: list[Delivery], worker_id: str) -> int:
    return int(
        _ours(
            [delivery.pk for delivery in deliveries], worker_id, DeliveryStatus.SENDING
        ).update(
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
            attempts=F("attempts") + 1,
            last_error="",
        )
    )


def _failure_record(
    delivery: Delivery,
    worker_id: str,
    exc: BaseException,
    *,
    was: str = DeliveryStatus.SENDING,
) -> None:
    """A refusal or an error: retry later with backoff, or give up (permanent
    refusal, too many attempts). `was` is the row's status when it happened:
    "sending" before the hand-over, "sent" for a refusal of the whole message."""
    error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = delivery.attempts + 1
    permanent = _is_permanent(exc)
    if permanent or attempts >= conf.max_attempts():
        _mark(
            delivery,
            worker_id,
            was=was,
            status=DeliveryStatus.FAILED,
            sent_at=None,
            attempts=attempts,
            last_error=error,
        )
    else:
        wait = conf.retry_base_seconds() * 2 ** (attempts - 1)
        retried = _mark(
            delivery,
            worker_id,
            was=was,
            status=DeliveryStatus.PENDING,
            worker="",
            sent_at=None,
            attempts=attempts,
            next_attempt_at=timezone.now() + timedelta(seconds=wait),
            last_error=error,
        )
        if retried and was == DeliveryStatus.SENT:
            # Safety net: an edition finished meanwhile is sending again, so that
            # the watchdog comes back for this retry.
            Edition.objects.filter(
                pk=delivery.edition_id, status=EditionStatus.SENT
            ).update(status=EditionStatus.SENDING, finished_at=None)
    if permanent:
        from manchette.newsletter.services.subscribers import suppression_add

        suppression_add(
            email=delivery.email, reason=SuppressionReason.BOUNCE, detail=error
        )


def _smtp_envelope(message: EmailMessage) -> tuple[str, list[str], bytes]:
    """Sender, recipients and bytes of a message, as Django's SMTP backend sends it."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return (
        sanitize_address(message.from_email, encoding),
        [sanitize_address(address, encoding) for address in message.recipients()],
        message.message().as_bytes(linesep="\r\n"),
    )


def _outcome_record(delivery: Delivery, worker_id: str, out: Outgoing) -> bool:
    """Record what became of one message of a group; True if the server accepted it."""
    if out.delivered:
        return True
    if isinstance(out.error, RefusedAfterHandOver):
        if isinstance(out.error.cause, smtplib.SMTPResponseException):
            _failure_record(
                delivery, worker_id, out.error.cause, was=DeliveryStatus.SENT
            )
        else:
            # The terminator went out, the reply never came: the server may have
            # delivered. Not sent again (no second copy); the doubt is kept.
            _mark(
                delivery,
                worker_id,
                was=DeliveryStatus.SENT,
                last_error=f"réponse du serveur perdue après l’envoi : {out.error.cause}"[
                    :500
                ],
            )
            logger.warning(
                "newsletter: delivery %s handed over, reply lost: %s",
                delivery.pk,
                out.error.cause,
            )
    elif out.error is not None:
        _failure_record(delivery, worker_id, out.error)
    # Neither: no longer ours when it came to be recorded, cut before its end.
    return False


def _group_record(
    deliveries: dict[Outgoing, Delivery], worker_id: str, begun: list[Outgoing]
) -> set[Outgoing]:
    recorded = _hand_over([deliveries[out] for out in begun], worker_id)
    return {out for out in begun if deliveries[out].pk in recorded}


def _claims_release(*, worker_id: str) -> None:
    Delivery.objects.filter(status=DeliveryStatus.SENDING, worker=worker_id).update(
        status=DeliveryStatus.PENDING, worker="", claimed_at=None
    )


class _Throttle:
    """At most `rate` messages per second, without bursts after a slow moment."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now - self.interval) + self.interval


def _still_sending(edition_id: int) -> bool:
    return Edition.objects.filter(pk=edition_id, status=EditionStatus.SENDING).exists()


def _sendable(
    batch: list[Delivery], *, edition_id: int, worker_id: str
) -> Iterator[tuple[Delivery, Subscriber]]:
    """The batch's deliveries still to send, in order, with their subscriber; those
    no longer due are marked skipped on the way. Every PAUSE_CHECK_EVERY rows, a
    heartbeat and a look at the edition: stops there if it was paused."""
    suppressed = set(
        Suppression.objects.filter(email__in=[d.email for d in batch]).values_list(
            "email", flat=True
        )
    )
    for position, delivery in enumerate(batch):
        if position and position % PAUSE_CHECK_EVERY == 0:
            _heartbeat(worker_id=worker_id, edition_id=edition_id)
            if not _still_sending(edition_id):
                return
        subscriber = delivery.subscriber
        if subscriber is None or subscriber.paused or delivery.email in suppressed:
            _mark(delivery, worker_id, status=DeliveryStatus.SKIPPED)
            continue
        yield delivery, subscriber


def _edition_envelope(
    delivery: Delivery,
    subscriber: Subscriber,
    *,
    rendered: RenderedEdition,
    wire: bytes | None,
) -> tuple[str, list[str], bytes]:
    """Sender, recipients and bytes of one subscriber's copy: the batch's wire
    template filled in, or the message built whole when the template could not be
    made or the address is not ASCII."""
    if wire is not None and delivery.email.isascii():
        return (
            conf.from_email(),
            [delivery.email],
            edition_wire_fill(
                wire,
                rendered,
                subscriber=subscriber,
                to=delivery.email,
                delivery_id=delivery.pk,
            ),
        )
    return _smtp_envelope(
        edition_message(
            rendered, subscriber=subscriber, to=delivery.email, delivery_id=delivery.pk
        )
    )


def _smtp_lanes_open(first: SMTPBackend, count: int) -> list[SMTPBackend]:
    """The batch's SMTP connections, each used for one message of every group:
    `first` (if it cannot open, the batch fails) and up to `count - 1` more. A
    server that takes no more connections from this client leaves fewer of them,
    not a failed batch."""
    first.open()
    lanes = [first]
    while len(lanes) < count:
        lane = get_connection()
        try:
            lane.open()
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning(
                "newsletter: %s SMTP connections open, no more: %s", len(lanes), exc
            )
            break
        lanes.append(lane)
    return lanes


def _smtp_batch_send(
    sendable: Iterator[tuple[Delivery, Subscriber]],
    *,
    lanes: list[SMTPBackend],
    rendered: RenderedEdition,
    worker_id: str,
    throttle: _Throttle,
) -> int:
    """Send over SMTP in groups of one message per open connection ("lane"): each
    group's records in one commit, its last lines right after (`smtp_release`)."""
    wire = edition_wire_template(rendered)
    sent = 0
    while True:
        group: dict[Outgoing, Delivery] = {}
        for delivery, subscriber in sendable:
            throttle.wait()
            try:
                envelope = _edition_envelope(
                    delivery, subscriber, rendered=rendered, wire=wire
                )
            except Exception as exc:
                _failure_record(delivery, worker_id, exc)
                continue
            conn = lanes[len(group)].connection
            if conn is None:  # only if fail_silently hid a failed open
                raise smtplib.SMTPServerDisconnected("no SMTP connection")
            group[Outgoing(conn, *envelope)] = delivery
            if len(group) == len(lanes):
                break
        if not group:
            return sent
        smtp_send_recorded_group(
            list(group), record=partial(_group_record, group, worker_id)
        )
        for out, delivery in group.items():
            sent += _outcome_record(delivery, worker_id, out)
        for lane in lanes:
            if lane.connection is None or lane.connection.sock is None:
                lane.close()  # dropped, or cut before a last line: a new one
                lane.open()


def _whole_batch_send(
    sendable: Iterator[tuple[Delivery, Subscriber]],
    *,
    backend: Any,
    rendered: RenderedEdition,
    worker_id: str,
    throttle: _Throttle,
) -> int:
    """A provider's API (django-anymail) or a local backend: each message goes
    whole, then its row is marked."""
    sent = 0
    for delivery, subscriber in sendable:
        throttle.wait()
        try:
            backend.send_messages(
                [
                    edition_message(
                        rendered,
                        subscriber=subscriber,
                        to=delivery.email,
                        delivery_id=delivery.pk,
                        connection=backend,
                    )
                ]
            )
        except Exception as exc:
            _failure_record(delivery, worker_id, exc)
            continue
        _mark_sent([delivery], worker_id)
        sent += 1
    return sent


def edition_send_run(*, edition_id: int, worker_id: str) -> int:
    """One worker's loop: claim, send, mark, until nothing is left, the edition is
    paused, or only retries not yet due remain (the watchdog comes back for
    those). Returns how many messages this worker sent."""
    throttle = _Throttle(conf.send_rate() / conf.send_concurrency())
    rendered = None
    sent = 0
    try:
        while _still_sending(edition_id):
            _heartbeat(worker_id=worker_id, edition_id=edition_id)
            batch = deliveries_claim(
                edition_id=edition_id, worker_id=worker_id, limit=conf.batch_size()
            )
            if not batch:
                break
            if rendered is None:
                rendered = edition_render(Edition.objects.get(pk=edition_id))
            sendable = _sendable(batch, edition_id=edition_id, worker_id=worker_id)
            backend = get_connection()
            lanes = [backend]
            try:
                if isinstance(backend, SMTPBackend):
                    lanes = _smtp_lanes_open(
                        backend, min(conf.smtp_connections(), len(batch))
                    )
                    sent += _smtp_batch_send(
                        sendable,
                        lanes=lanes,
                        rendered=rendered,
                        worker_id=worker_id,
                        throttle=throttle,
                    )
                else:
                    backend.open()
                    sent += _whole_batch_send(
                        sendable,
                        backend=backend,
                        rendered=rendered,
                        worker_id=worker_id,
                        throttle=throttle,
                    )
            finally:
                for lane in lanes:
                    lane.close()
                _claims_release(worker_id=worker_id)  # what a pause left unsent
    finally:
        SendWorker.objects.filter(worker_id=worker_id).delete()
    edition_finish_if_done(edition_id=edition_id)  # if this was the last worker
    return sent


def edition_finish_if_done(*, edition_id: int) -> bool:
    """Mark the edition sent once no row is left to send and no other worker is on
    it (a worker's last message, recorded `sent`, may still be refused)."""
    unfinished = Delivery.objects.filter(
        edition_id=edition_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
    )
    if unfinished.exists():
        return False
    if SendWorker.objects.filter(edition_id=edition_id).exists():
        return False
    return bool(
        Edition.objects.filter(pk=edition_id, status=EditionStatus.SENDING).update(
            status=EditionStatus.SENT, finished_at=timezone.now()
        )
    )


def edition_pause(*, edition: Edition) -> None:
    Edition.objects.filter(pk=edition.pk, status=EditionStatus.SENDING).update(
        status=EditionStatus.PAUSED
    )


def edition_resume(*, edition: Edition) -> None:
    resumed = Edition.objects.filter(pk=edition.pk, status=EditionStatus.PAUSED).update(
        status=EditionStatus.SENDING
    )
    if resumed:
        transaction.on_commit(lambda: edition_workers_request(edition_id=edition.pk))


def send_watchdog(*, stale_after: timedelta | None = None) -> None:
    """Periodic job: start what is scheduled, give the claims of dead workers back,
    and queue workers for editions that are sending with nobody on them."""
    from manchette.newsletter.tasks import edition_send_task

    now = timezone.now()
    stale_after = (
        timedelta(seconds=conf.lease_seconds()) if stale_after is None else stale_after
    )
    cutoff = now - stale_after
    for edition in Edition.objects.filter(
        status=EditionStatus.SCHEDULED, scheduled_at__lte=now
    ):
        edition_send_start(edition=edition)
    dead = SendWorker.objects.filter(heartbeat_at__lt=cutoff)
    replacements = Counter(dead.values_list("edition_id", flat=True))
    dead.delete()
    alive = SendWorker.objects.values("worker_id")
    released = (
        Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff)
        .exclude(worker__in=alive)
        .update(
            status=DeliveryStatus.PENDING,
            worker="",
            claimed_at=None,
            last_error="repris après l’arrêt d’un envoyeur",
        )
    )
    if released:
        logger.warning("newsletter: %s claims of dead workers released", released)
    # A dead worker is replaced, even while others still send the same edition.
    for edition_id, count in replacements.items():
        if Edition.objects.filter(pk=edition_id, status=EditionStatus.SENDING).exists():
            Edition.objects.filter(pk=edition_id).update(workers_requested_at=now)
            for _ in range(count):
                edition_send_task.enqueue(edition_id)
    for edition in Edition.objects.filter(status=EditionStatus.SENDING).filter(
        Q(workers_requested_at__isnull=True) | Q(workers_requested_at__lt=cutoff)
    ):
        if SendWorker.objects.filter(edition=edition).exists():
            continue
        if not Delivery.objects.filter(edition=edition).exists():
            from manchette.newsletter.tasks import edition_prepare_task

            Edition.objects.filter(pk=edition.pk).update(workers_requested_at=now)
            edition_prepare_task.enqueue(edition.pk)
        elif (
            Delivery.objects.filter(edition=edition, status=DeliveryStatus.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .exists()
        ):
            edition_workers_request(edition_id=edition.pk)
        else:
            edition_finish_if_done(edition_id=edition.pk)
