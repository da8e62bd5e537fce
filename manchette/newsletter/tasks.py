"""Background work: each task loads by id and calls a service."""

from __future__ import annotations

from django_tasks import task

from manchette.newsletter.services import sending, subscribers


@task()
def signup_confirmation_send_task(signup_id: int) -> None:
    subscribers.signup_confirmation_send(signup_id=signup_id)


@task()
def edition_prepare_task(edition_id: int) -> int:
    return sending.edition_deliveries_prepare(edition_id=edition_id)


@task()
def edition_send_task(edition_id: int) -> int:
    return sending.edition_send_run(
        edition_id=edition_id, worker_id=sending.worker_id_new()
    )
