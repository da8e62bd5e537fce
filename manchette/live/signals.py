"""Wagtail's and Django's signals the live blog listens to (infrastructure only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from manchette.core.pagecache import tags_invalidate
from manchette.live.blog import blog_channel, live_blog_status_announce
from manchette.live.services import event_publish


def article_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    live_blog_status_announce(article=instance)


def live_entry_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An entry deleted outright in the admin leaves the open pages too."""
    if instance.deleted_at is None:
        event_publish(
            channel=blog_channel(instance.article_id),
            event="entry-delete",
            data={"id": instance.pk, "pinned": instance.pinned},
        )
        tags = [f"page:{instance.article_id}"]
        transaction.on_commit(lambda: tags_invalidate(tags))
