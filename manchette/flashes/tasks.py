from __future__ import annotations

from django_tasks import task

from manchette.flashes.services import flash_alert_send


@task()
def flash_alert_deliver(flash_id: int) -> bool:
    return flash_alert_send(flash_id=flash_id)
