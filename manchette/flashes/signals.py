"""Wagtail's publish and unpublish signals for flashes, whatever published them
(the quick form, the snippet editor, the scheduler, the command line)."""

from __future__ import annotations

from typing import Any

from manchette.flashes.models import Flash
from manchette.flashes.services import flash_changed_announce


def flash_published(sender: Any, instance: Flash, **kwargs: Any) -> None:
    if instance.live:  # not when it was only scheduled
        flash_changed_announce(flash=instance, online=True)


def flash_unpublished(sender: Any, instance: Flash, **kwargs: Any) -> None:
    flash_changed_announce(flash=instance, online=False)


def flash_deleted(sender: Any, instance: Flash, **kwargs: Any) -> None:
    if instance.live:
        flash_changed_announce(flash=instance, online=False)
