"""Writes of the flashes app.

Every way a flash changes — the quick form, the snippet editor, the scheduler,
``manage.py publish_flash`` — goes through Wagtail's publish/unpublish, whose
signals call :func:`flash_changed_announce`: one place pushes the change to open
pages, refreshes the cached lists and starts the alert."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from manchette.core.pagecache import tags_invalidate
from manchette.flashes import conf
from manchette.flashes.models import Flash, FlashLevel
from manchette.flashes.selectors import flash_payload
from manchette.live.services import event_publish

if TYPE_CHECKING:
    from manchette.newsroom.models import ArticlePage

FLASH_CHANNEL = "flashes"

# Called with the flash when one marked « alerte » goes online (once per flash).
# The newsletter app appends its sender here from its AppConfig.ready().
FlashAlertHandler = Callable[[Flash], Any]
flash_alert_handlers: list[FlashAlertHandler] = []


def flash_alert_handler_register(handler: FlashAlertHandler) -> None:
    if handler not in flash_alert_handlers:
        flash_alert_handlers.append(handler)


def _cache_tags(flash: Flash) -> list[str]:
    # The archive, the feed and the banner's JSON show every flash; a live blog that
    # links this flash shows its text (tag set by the live app).
    return [FLASH_CHANNEL, f"flash:{flash.pk}"]


def _publish_revision(*, flash: Flash, user: Any) -> Flash:
    flash.full_clean()
    flash.save()
    revision = flash.save_revision(user=user)
    revision.publish(user=user)
    flash.refresh_from_db()
    return flash


@transaction.atomic
def flash_publish(
    *,
    text: str,
    level: str = FlashLevel.INFO,
    url: str = "",
    article: ArticlePage | None = None,
    is_alert: bool = False,
    go_live_at: datetime | None = None,
    expire_at: datetime | None = None,
    user: Any = None,
) -> Flash:
    """Publish a flash now (or at ``go_live_at``). Without ``expire_at`` it leaves
    the banner after the default duration; it stays in the archive."""
    start = go_live_at or timezone.now()
    flash = Flash(
        text=text.strip(),
        level=level,
        url=url,
        article=article,
        is_alert=is_alert,
        go_live_at=go_live_at,
        expire_at=expire_at or start + timedelta(hours=conf.default_duration_hours()),
    )
    return _publish_revision(flash=flash, user=user)


@transaction.atomic
def flash_correct(
    *,
    flash: Flash,
    text: str | None = None,
    level: str | None = None,
    url: str | None = None,
    article: ArticlePage | None = None,
    is_alert: bool | None = None,
    expire_at: datetime | None = None,
    user: Any = None,
) -> Flash:
    """Publish a corrected version (a new revision); open pages show it at once."""
    changes = {
        "text": text.strip() if text is not None else None,
        "level": level,
        "url": url,
        "article": article,
        "is_alert": is_alert,
        "expire_at": expire_at,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(flash, field, value)
    # The alert may have gone out since this instance was loaded.
    flash.alert_sent_at = (
        Flash.objects.filter(pk=flash.pk).values_list("alert_sent_at", flat=True).get()
    )
    return _publish_revision(flash=flash, user=user)


@transaction.atomic
def flash_withdraw(*, flash: Flash, user: Any = None) -> Flash:
    """Take a flash off the banner and out of the archive (a mistake)."""
    flash.unpublish(user=user)
    return flash


def flash_changed_announce(*, flash: Flash, online: bool) -> None:
    """Push the change to open pages and stale the cached lists. Called from the
    publish/unpublish signals, inside the change's transaction."""
    event_publish(
        channel=FLASH_CHANNEL,
        event="flash" if online else "withdraw",
        data=flash_payload(flash=flash)
        if online
        else {"id": flash.pk, "expired": flash.expired},
    )
    tags = _cache_tags(flash)
    transaction.on_commit(lambda: tags_invalidate(tags))
    if online and flash.is_alert and flash.alert_sent_at is None:
        from manchette.flashes.tasks import flash_alert_deliver

        flash_id = flash.pk
        transaction.on_commit(lambda: flash_alert_deliver.enqueue(flash_id))


@transaction.atomic
def flash_alert_send(*, flash_id: int) -> bool:
    """Hand an « alerte » flash to every registered handler, once: a second call
    (a retried task, a correction) sends nothing. A failing handler rolls back the
    claim, so that the task can be tried again."""
    claimed = Flash.objects.filter(
        pk=flash_id, live=True, is_alert=True, alert_sent_at__isnull=True
    ).update(alert_sent_at=timezone.now())
    if not claimed:
        return False
    flash = Flash.objects.get(pk=flash_id)
    for handler in list(flash_alert_handlers):
        handler(flash)
    return True
