"""The sending engine: one delivery row per (edition, subscriber), claimed in batches
by workers, sent over one SMTP connection per batch, each recorded as handed over
before the server can deliver it ("record, then release").

The guarantee (also in docs/decisions.md and docs/benchmarks.md, "Newsletter"):

- Over SMTP a server delivers a message only once it has read the final
  "<CRLF>.<CRLF>" of DATA; a connection that drops before it makes the server
  discard the message. So for each message the worker sends MAIL, RCPT, DATA and
  the whole body without that terminator, commits the row as `sent` (handed over),
  and only then writes the terminator and reads the reply.
- A worker killed before that commit leaves the row in "sending" and the server
  without the terminator: the message is discarded, and once the worker's
  heartbeat is older than the lease the watchdog puts the row back to "pending"
  for another worker. A worker killed after the terminator leaves a row that
  already says `sent`: it is never sent again. Nobody receives two copies.
- What is left skips a copy instead of doubling it (the row says `sent`): a kill
  after the hand-over's COMMIT has left for the database and before the terminator
  is written (in-process on SQLite: microseconds; on PostgreSQL the COMMIT's round
  trip, see `_hand_over`), a kill between a refusal after the terminator (4xx/5xx)
  and the row's update, and a connection lost while waiting for the reply to the
  terminator (the row stays `sent`, with the doubt in `last_error`).
- A 4xx/5xx reply after the terminator turns the row back to "pending" (retried
  with backoff) or "failed" (address suppressed), as a refusal at RCPT does; an
  edition is therefore finished only once no worker is still on it.
- Through a provider's HTTP API (django-anymail) the message cannot be split:
  the row is marked `sent` after the provider's answer, and a kill during the
  HTTP request can still cause one duplicate (same Message-ID).
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone

from manchette.newsletter import conf
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


def _mark(
    delivery: Delivery,
    worker_id: str,
    *,
    was: str = DeliveryStatus.SENDING,
    **fields: Any,
) -> int:
    # Only while the row is still ours: a worker taken for dead whose claim was
    # released must not overwrite what its successor did. Returns 1 if it was.
    return int(
        Delivery.objects.filter(pk=delivery.pk, status=was, worker=worker_id).update(
            **fields
        )
    )


def _hand_over(delivery: Delivery, worker_id: str) -> bool:
    """Commit the row as sent, before the server is allowed to deliver.

    In a transaction of its own, not as one autocommitted UPDATE: PostgreSQL finishes
    and commits a statement already received even if its client has died meanwhile
    (killed while the UPDATE waited for a lock, say), which would record a message
    that never got its last line. Within a transaction, a worker killed before its
    COMMIT leaves a transaction that the server rolls back; only the COMMIT's own
    round trip is in doubt. On PostgreSQL that COMMIT does not wait for the WAL to
    reach the disk (`synchronous_commit` off, for this transaction only): the wait
    (about 5 ms here) would lie inside that window, where a kill skips a copy. The
    price: a crash of the database server itself can lose the last fraction of a
    second of these records, whose messages would then be sent again."""
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _mark_sent(delivery, worker_id) == 1


def _mark_sent(delivery: Delivery, worker_id: str) -> int:
    return _mark(
        delivery,
        worker_id,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
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


class RefusedAfterHandOver(Exception):
    """The server refused the whole message (or the connection failed) after the
    delivery was recorded as handed over; `cause` is the error."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def smtp_send_recorded(
    conn: smtplib.SMTP,
    from_addr: str,
    to_addrs: list[str],
    msg: bytes,
    *,
    record: Callable[[], bool],
) -> bool:
    """`smtplib.SMTP.sendmail()` cut in two around `record`: MAIL, RCPT, DATA and the
    body without its terminator; then `record()` (the hand-over, committed); only
    if it returns True, the final "." line, which lets the server deliver.

    The body is prepared exactly as `SMTP.data()` does for bytes (periods doubled at
    line starts, a final CRLF added if missing). Errors before `record()` are raised
    as `sendmail()` raises them, the message not delivered. If `record()` returns
    False or raises, the connection is closed without the terminator, so that the
    server discards the message, and False is returned (or the error raised). A
    refusal of the message, or a lost connection, after the terminator is raised as
    `RefusedAfterHandOver`."""
    conn.ehlo_or_helo_if_needed()
    if conn.sock is not None:
        # The terminator is a small write after the body: without this, Nagle's
        # algorithm holds it until the server acknowledges the body, which it
        # delays (up to 40 ms on Linux) while it has nothing to answer.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    options = []
    if conn.does_esmtp and conn.has_extn("size"):
        options.append(f"size={len(msg)}")
    code, resp = conn.mail(from_addr, options)
    if code != 250:
        _smtp_abort(conn, code)
        raise smtplib.SMTPSenderRefused(code, resp, from_addr)
    refused: dict[str, tuple[int, bytes]] = {}
    for address in to_addrs:
        code, resp = conn.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, resp)
        if code == 421:
            conn.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(to_addrs):
        _smtp_abort(conn, 0)
        raise smtplib.SMTPRecipientsRefused(refused)
    conn.putcmd("data")
    code, resp = conn.getreply()
    if code != 354:
        _smtp_abort(conn, code)
        raise smtplib.SMTPDataError(code, resp)
    body = smtplib._quote_periods(msg)  # type: ignore[attr-defined]  # as data()
    if body[-2:] != smtplib.bCRLF:
        body += smtplib.bCRLF
    conn.send(body)
    try:
        handed_over = record()
    except BaseException:
        conn.close()
        raise
    if not handed_over:
        conn.close()
        return False
    try:
        conn.send(b"." + smtplib.bCRLF)
        code, resp = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        conn.close()
        raise RefusedAfterHandOver(exc) from exc
    if code != 250:
        _smtp_abort(conn, code)
        raise RefusedAfterHandOver(smtplib.SMTPDataError(code, resp))
    return True


def _smtp_abort(conn: smtplib.SMTP, code: int) -> None:
    """What `sendmail()` does after a refusal: close on 421, else RSET."""
    if code == 421:
        conn.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        conn.rset()


def _smtp_envelope(message: EmailMessage) -> tuple[str, list[str], bytes]:
    """Sender, recipients and bytes of a message, as Django's SMTP backend sends it."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    return (
        sanitize_address(message.from_email, encoding),
        [sanitize_address(address, encoding) for address in message.recipients()],
        message.message().as_bytes(linesep="\r\n"),
    )


def _smtp_deliver(
    conn: smtplib.SMTP,
    delivery: Delivery,
    worker_id: str,
    envelope: tuple[str, list[str], bytes],
) -> bool:
    """Send one message by "record, then release" and record any refusal. True if
    the server accepted it; False otherwise (then the connection may be closed)."""
    from_addr, to_addrs, raw = envelope
    try:
        return smtp_send_recorded(
            conn,
            from_addr,
            to_addrs,
            raw,
            record=lambda: _hand_over(delivery, worker_id),
        )
    except RefusedAfterHandOver as refused:
        if isinstance(refused.cause, smtplib.SMTPResponseException):
            _failure_record(delivery, worker_id, refused.cause, was=DeliveryStatus.SENT)
        else:
            # The terminator went out, the reply never came: the server may have
            # delivered. Not sent again (no second copy); the doubt is kept.
            _mark(
                delivery,
                worker_id,
                was=DeliveryStatus.SENT,
                last_error=f"réponse du serveur perdue après l’envoi : {refused.cause}"[
                    :500
                ],
            )
            logger.warning(
                "newsletter: delivery %s handed over, reply lost: %s",
                delivery.pk,
                refused.cause,
            )
        return False
    except Exception as exc:
        _failure_record(delivery, worker_id, exc)
        return False


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


def edition_send_run(*, edition_id: int, worker_id: str) -> int:
    """One worker's loop: claim, send, mark, until nothing is left, the edition is
    paused, or only retries not yet due remain (the watchdog comes back for
    those). Returns how many messages this worker sent."""
    from manchette.newsletter.emails import (
        edition_message,
        edition_render,
        edition_wire_fill,
        edition_wire_template,
    )

    throttle = _Throttle(conf.send_rate() / conf.send_concurrency())
    from_address = conf.from_email()
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
            smtp = get_connection()
            wire = (
                edition_wire_template(rendered)
                if isinstance(smtp, SMTPBackend)
                else None
            )
            suppressed = set(
                Suppression.objects.filter(
                    email__in=[d.email for d in batch]
                ).values_list("email", flat=True)
            )
            smtp.open()  # one connection for the whole batch
            try:
                for position, delivery in enumerate(batch):
                    if position and position % PAUSE_CHECK_EVERY == 0:
                        _heartbeat(worker_id=worker_id, edition_id=edition_id)
                        if not _still_sending(edition_id):
                            break
                    subscriber = delivery.subscriber
                    if (
                        subscriber is None
                        or subscriber.paused
                        or delivery.email in suppressed
                    ):
                        _mark(delivery, worker_id, status=DeliveryStatus.SKIPPED)
                        continue
                    throttle.wait()
                    if isinstance(smtp, SMTPBackend):
                        try:
                            if wire is not None and delivery.email.isascii():
                                envelope = (
                                    from_address,
                                    [delivery.email],
                                    edition_wire_fill(
                                        wire,
                                        rendered,
                                        subscriber=subscriber,
                                        to=delivery.email,
                                        delivery_id=delivery.pk,
                                    ),
                                )
                            else:
                                envelope = _smtp_envelope(
                                    edition_message(
                                        rendered,
                                        subscriber=subscriber,
                                        to=delivery.email,
                                        delivery_id=delivery.pk,
                                        connection=smtp,
                                    )
                                )
                        except Exception as exc:
                            _failure_record(delivery, worker_id, exc)
                            continue
                        conn = smtp.connection
                        if conn is None:  # only if fail_silently hid a failed open
                            raise smtplib.SMTPServerDisconnected("no SMTP connection")
                        if _smtp_deliver(conn, delivery, worker_id, envelope):
                            sent += 1
                        elif conn.sock is None:
                            smtp.close()  # dropped or lost: a new connection
                            smtp.open()
                        continue
                    # A provider's API (django-anymail) or a local backend: the
                    # message goes whole, then the row is marked.
                    try:
                        smtp.send_messages(
                            [
                                edition_message(
                                    rendered,
                                    subscriber=subscriber,
                                    to=delivery.email,
                                    delivery_id=delivery.pk,
                                    connection=smtp,
                                )
                            ]
                        )
                    except Exception as exc:
                        _failure_record(delivery, worker_id, exc)
                        continue
                    _mark_sent(delivery, worker_id)
                    sent += 1
            finally:
                smtp.close()
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
