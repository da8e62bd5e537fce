"""Keeping cached pages right: the reaction buttons when an editor changes the kinds,
the rankings when they have changed (checked periodically, not on every reaction, so
that a burst of reactions never empties the page cache)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from manchette.core.pagecache import tags_invalidate

KINDS_TAG = "reactions:kinds"
RANKINGS_TAG = "rankings"
RANKINGS_SNAPSHOT_KEY = "reactions:rankings-snapshot"


def on_kind_changed(**kwargs: Any) -> None:
    from manchette.reactions.selectors import KINDS_CACHE_KEY

    cache.delete(KINDS_CACHE_KEY)
    tags_invalidate([KINDS_TAG])


def rankings_invalidate_if_changed(snapshot: object) -> bool:
    """Invalidate the pages showing rankings when these figures differ from the
    last ones seen; True when they did."""
    if cache.get(RANKINGS_SNAPSHOT_KEY) == snapshot:
        return False
    cache.set(RANKINGS_SNAPSHOT_KEY, snapshot, timeout=None)
    tags_invalidate([RANKINGS_TAG])
    return True


def connect() -> None:
    from manchette.reactions.models import ReactionKind

    post_save.connect(
        on_kind_changed, sender=ReactionKind, dispatch_uid="reactions-kind-saved"
    )
    post_delete.connect(
        on_kind_changed, sender=ReactionKind, dispatch_uid="reactions-kind-deleted"
    )


def rankings_refresh() -> bool:
    """Periodic job: recompute the rankings of la Une and of each section, and
    refresh the cached pages only if something changed."""
    from manchette.newsroom.selectors import sections_live
    from manchette.reactions.selectors import rankings_scores

    snapshot = {
        "home": rankings_scores(section=None),
        **{f"section:{s.pk}": rankings_scores(section=s) for s in sections_live()},
    }
    return rankings_invalidate_if_changed(snapshot)
