"""Writes: a reader's reaction set, changed or removed, with the counters kept exact.

The Reaction row, unique per (article, reader), is the source of truth; each change to
it moves the per-kind counters by one in the same transaction, with atomic
``count = count ± 1`` updates, so that no concurrent request can lose a count and a
counter can never go below zero (guarded update, and a CHECK constraint behind it).
Counter rows are always updated in the order of their kind's id, so that two readers
swapping reactions in opposite directions cannot deadlock.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from manchette.core.http import rate_limit_hit
from manchette.reactions import conf
from manchette.reactions.models import Reaction, ReactionCount
from manchette.reactions.selectors import reaction_kinds_active

DAY_SECONDS = 24 * 3600


class ReactionRefused(Exception):
    """A reaction the reader may not give; ``message`` is shown to them as is."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _counter_increment(*, article_id: int, kind_id: int) -> None:
    counters = ReactionCount.objects.filter(article_id=article_id, kind_id=kind_id)
    if counters.update(count=F("count") + 1):
        return
    # First reaction of this kind on this article: create the zero row (a concurrent
    # request may be doing the same; the conflict is ignored) and increment it.
    ReactionCount.objects.bulk_create(
        [ReactionCount(article_id=article_id, kind_id=kind_id, count=0)],
        ignore_conflicts=True,
    )
    counters.update(count=F("count") + 1)


def _counter_decrement(*, article_id: int, kind_id: int) -> None:
    ReactionCount.objects.filter(
        article_id=article_id, kind_id=kind_id, count__gt=0
    ).update(count=F("count") - 1)


def _counters_move(
    *, article_id: int, from_kind: int | None, to_kind: int | None
) -> None:
    moves = sorted(
        [(k, -1) for k in [from_kind] if k is not None]
        + [(k, +1) for k in [to_kind] if k is not None]
    )
    for kind_id, delta in moves:
        if delta > 0:
            _counter_increment(article_id=article_id, kind_id=kind_id)
        else:
            _counter_decrement(article_id=article_id, kind_id=kind_id)


def _new_reaction_allowed(*, article_id: int, client_key: str) -> bool:
    return not rate_limit_hit(
        scope=f"reactions-new:{article_id}",
        key=client_key,
        limit=conf.new_per_article_per_day(),
        window_seconds=DAY_SECONDS,
    )


@transaction.atomic
def reaction_set(
    *, article_id: int, reader_key: str, kind_slug: str, client_key: str
) -> Reaction:
    """Give or change this reader's reaction. Giving the same one again changes
    nothing (a double click or a resubmitted form is harmless)."""
    kind = next((k for k in reaction_kinds_active() if k.slug == kind_slug), None)
    if kind is None:
        raise ReactionRefused(_("Cette réaction n’existe pas ou plus."))
    existing = (
        Reaction.objects.select_for_update()
        .filter(article_id=article_id, reader_key=reader_key)
        .first()
    )
    if existing is None:
        if not _new_reaction_allowed(article_id=article_id, client_key=client_key):
            raise ReactionRefused(
                _(
                    "Trop de réactions à cet article depuis votre connexion "
                    "aujourd’hui. Réessayez demain."
                ),
                status=429,
            )
        try:
            with transaction.atomic():
                reaction = Reaction.objects.create(
                    article_id=article_id, reader_key=reader_key, kind=kind
                )
        except IntegrityError:
            # The same reader's other request created it a moment ago: change that one.
            existing = Reaction.objects.select_for_update().get(
                article_id=article_id, reader_key=reader_key
            )
        else:
            _counters_move(article_id=article_id, from_kind=None, to_kind=kind.pk)
            return reaction
    previous_kind_id = existing.kind_id
    existing.kind = kind
    if previous_kind_id != kind.pk:
        _counters_move(
            article_id=article_id, from_kind=previous_kind_id, to_kind=kind.pk
        )
        existing.save(update_fields=["kind", "updated_at"])
    return existing


@transaction.atomic
def reaction_remove(*, article_id: int, reader_key: str) -> bool:
    """Withdraw this reader's reaction; False when they had none."""
    existing = (
        Reaction.objects.select_for_update()
        .filter(article_id=article_id, reader_key=reader_key)
        .first()
    )
    if existing is None:
        return False
    existing.delete()
    _counters_move(article_id=article_id, from_kind=existing.kind_id, to_kind=None)
    return True
