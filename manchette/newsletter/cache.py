"""Keeping cached pages right when editors change the lists that the sign-up block
on every page offers."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from manchette.core.pagecache import tags_invalidate

LISTS_TAG = "newsletter:lists"


def on_list_changed(**kwargs: Any) -> None:
    tags_invalidate([LISTS_TAG])


def connect() -> None:
    from manchette.newsletter.models import NewsletterList

    post_save.connect(
        on_list_changed, sender=NewsletterList, dispatch_uid="newsletter-list-saved"
    )
    post_delete.connect(
        on_list_changed, sender=NewsletterList, dispatch_uid="newsletter-list-deleted"
    )
