"""The sending engine: one delivery row per (edition, subscriber), claimed in batches
by workers, sent over one SMTP connection per batch, each marked sent as soon as the
server has accepted it.

The guarantee (also in docs/benchmarks.md, "Newsletter: sending one edition"):

- Nobody is skipped: a delivery leaves the log only as sent, failed (permanent
  refusal, or too many temporary ones) or skipped (unsubscribed, paused or
  suppressed meanwhile). A worker killed at any moment leaves its claimed rows in
  "sending"; once its heartbeat is older than the lease, the watchdog puts them back
  in "pending" and queues workers again.
- Nobody receives two copies, except in one window per killed worker: a message the
  server accepted in the instant before the worker could mark it sent. Each worker
  marks every message right after the server's answer, so at most one message per
  SIGKILL is in doubt, and it is sent again (at-least-once rather than at-most-once:
  a reader missing the news is worse than a copy that the receiving side can drop,
  since both copies carry the same Message-ID).
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
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


def _mark(delivery: Delivery, worker_id: str, **fields: Any) -> None:
    # Only while the row is still ours: a worker taken for dead whose claim was
    # released must not overwrite what its successor did.
    Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, worker=worker_id
    ).update(**fields)


def _failure_record(delivery: Delivery, worker_id: str, exc: BaseException) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = delivery.attempts + 1
    permanent = _is_permanent(exc)
    if permanent or attempts >= conf.max_attempts():
        _mark(
            delivery,
            worker_id,
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            last_error=error,
        )
    else:
        wait = conf.retry_base_seconds() * 2 ** (attempts - 1)
        _mark(
            delivery,
            worker_id,
            status=DeliveryStatus.PENDING,
            worker="",
            attempts=attempts,
            next_attempt_at=timezone.now() + timedelta(seconds=wait),
            last_error=error,
        )
    if permanent:
        from manchette.newsletter.services.subscribers import suppression_add

        suppression_add(
            email=delivery.email, reason=SuppressionReason.BOUNCE, detail=error
        )


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
                edition_finish_if_done(edition_id=edition_id)
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
                    try:
                        if wire is not None and delivery.email.isascii():
                            smtp.connection.sendmail(
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
                        if not isinstance(exc, smtplib.SMTPResponseException):
                            smtp.close()  # the connection may be gone: a new one
                            smtp.open()
                        continue
                    _mark(
                        delivery,
                        worker_id,
                        status=DeliveryStatus.SENT,
                        sent_at=timezone.now(),
                        attempts=F("attempts") + 1,
                        last_error="",
                    )
                    sent += 1
            finally:
                smtp.close()
                _claims_release(worker_id=worker_id)  # what a pause left unsent
    finally:
        SendWorker.objects.filter(worker_id=worker_id).delete()
    return sent


def edition_finish_if_done(*, edition_id: int) -> bool:
    unfinished = Delivery.objects.filter(
        edition_id=edition_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
    )
    if unfinished.exists():
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
