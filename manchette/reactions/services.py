"""Writes: a reader's reaction set, changed or removed, with the counters kept exact.

The Reaction row, unique per (article, reader), is the source of truth; each change to
it moves the per-kind counters by one in the same transaction, with atomic
``count = count ± 1`` updates, so that no concurrent request can lose a count and a
counter can never go below zero (guarded update, and a CHECK constraint behind it).
Counter rows are always locked in the order of their kind's id, so that two readers
swapping reactions in opposite directions cannot deadlock.

On PostgreSQL each write is ONE statement (``SET_STATEMENT``, ``REMOVE_STATEMENT``):
the row locks are held for that statement only, and the same steps
(``reaction_set_steps``) serve Django's views through ``DjangoBackend`` and the
ASGI fast path (``reactions.fastpath``) through its asynchronous backend, so that the
two paths cannot diverge. SQLite, which has no data-modifying CTE and serialises
writes anyway, keeps the ORM steps below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from manchette.core.coroutines import run_to_completion
from manchette.core.http import rate_limit_hit
from manchette.reactions import conf
from manchette.reactions.models import Reaction, ReactionCount, ReactionKind
from manchette.reactions.selectors import (
    article_reactions_open,
    reaction_kinds_active,
)

DAY_SECONDS = 24 * 3600


class ReactionRefused(Exception):
    """A reaction the reader may not give; ``message`` is shown to them as is."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ReactionWanted:
    """A reader's request to give or change their reaction to an article."""

    article_id: int
    reader_key: str
    kind_slug: str
    client_key: str  # the address the per-address limits count by
    reader_is_new: bool = False  # their cookie was just made: no reaction yet


class RateLimit(NamedTuple):
    scope: str
    key: str
    limit: int
    window_seconds: int


def writes_limit(*, client_key: str) -> RateLimit:
    return RateLimit("reactions-writes", client_key, conf.writes_per_minute(), 60)


def new_reactions_limit(*, article_id: int, client_key: str) -> RateLimit:
    return RateLimit(
        f"reactions-new:{article_id}",
        client_key,
        conf.new_per_article_per_day(),
        DAY_SECONDS,
    )


def _kind_active(kinds: list[ReactionKind], slug: str) -> ReactionKind:
    kind = next((k for k in kinds if k.slug == slug), None)
    if kind is None:
        raise ReactionRefused(_("Cette réaction n’existe pas ou plus."))
    return kind


def _too_many_new() -> ReactionRefused:
    return ReactionRefused(
        _(
            "Trop de réactions à cet article depuis votre connexion "
            "aujourd’hui. Réessayez demain."
        ),
        status=429,
    )


# One statement per write (PostgreSQL) -------------------------------------------------

_REACTION = Reaction._meta.db_table
_COUNT = ReactionCount._meta.db_table

# The reader's row is locked first (FOR UPDATE re-reads its latest version if another
# request of theirs changed it meanwhile), changed or added (only when the caller
# allows a new reaction: the per-address limit is checked outside), then the counters
# move, inserted in kind order so that their row locks are always taken in that order.
# Returns (the reader had a reaction, one was added); neither means "no reaction and
# none allowed yet", or the reader's own concurrent request added one: run it again.
SET_STATEMENT = f"""
WITH existing AS (
    SELECT id, kind_id FROM {_REACTION}
    WHERE article_id = %(article)s AND reader_key = %(reader)s
    FOR UPDATE
), changed AS (
    UPDATE {_REACTION} AS r SET kind_id = %(kind)s, updated_at = now()
    FROM existing
    WHERE r.id = existing.id AND existing.kind_id <> %(kind)s
    RETURNING existing.kind_id AS previous
), added AS (
    INSERT INTO {_REACTION} (article_id, reader_key, kind_id, created_at, updated_at)
    SELECT %(article)s, %(reader)s, %(kind)s, now(), now()
    WHERE %(may_add)s AND NOT EXISTS (SELECT FROM existing)
    ON CONFLICT (article_id, reader_key) DO NOTHING
    RETURNING id
), moves AS (
    SELECT previous AS kind_id, -1 AS delta FROM changed
    UNION ALL SELECT %(kind)s, 1 FROM changed
    UNION ALL SELECT %(kind)s, 1 FROM added
), counted AS (
    INSERT INTO {_COUNT} AS c (article_id, kind_id, count)
    SELECT %(article)s, kind_id, GREATEST(delta, 0) FROM moves ORDER BY kind_id
    ON CONFLICT (article_id, kind_id) DO UPDATE SET count = GREATEST(
        c.count + (SELECT m.delta FROM moves AS m WHERE m.kind_id = EXCLUDED.kind_id),
        0
    )
    RETURNING 1
)
SELECT EXISTS (SELECT FROM existing), EXISTS (SELECT FROM added)
"""  # noqa: S608 - table names from the models; values bound

# Returns whether the reader had a reaction.
REMOVE_STATEMENT = f"""
WITH removed AS (
    DELETE FROM {_REACTION}
    WHERE article_id = %(article)s AND reader_key = %(reader)s
    RETURNING kind_id
), counted AS (
    UPDATE {_COUNT} AS c SET count = c.count - 1
    FROM removed
    WHERE c.article_id = %(article)s AND c.kind_id = removed.kind_id AND c.count > 0
    RETURNING 1
)
SELECT EXISTS (SELECT FROM removed)
"""  # noqa: S608 - table names from the models; values bound


class ReactionBackend(Protocol):
    """What the write steps need around them: Django's (synchronous) cache and
    database for the views, asynchronous clients for the ASGI fast path."""

    async def kinds_active(self) -> list[ReactionKind]: ...

    async def limit_hit(self, limit: RateLimit) -> bool: ...

    async def article_open(self, *, article_id: int) -> bool | None: ...

    async def fetchone(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...]: ...

    async def reaction_set(self, wanted: ReactionWanted) -> ReactionKind: ...

    async def reaction_remove(self, *, article_id: int, reader_key: str) -> bool: ...


async def reaction_set_steps(
    backend: ReactionBackend, wanted: ReactionWanted
) -> ReactionKind:
    """Give or change a reaction on PostgreSQL: usually one statement. The address's
    limit on new reactions is counted only when the reader has none (a reader who
    just got their cookie cannot have one: counted at once, one statement saved)."""
    kind = _kind_active(await backend.kinds_active(), wanted.kind_slug)
    limit = new_reactions_limit(
        article_id=wanted.article_id, client_key=wanted.client_key
    )
    if wanted.reader_is_new and await backend.limit_hit(limit):
        raise _too_many_new()
    params = {
        "article": wanted.article_id,
        "reader": wanted.reader_key,
        "kind": kind.pk,
        "may_add": wanted.reader_is_new,
    }
    for _attempt in range(4):
        existed, added = await backend.fetchone(SET_STATEMENT, params)
        if existed or added:
            return kind
        if not params["may_add"]:
            if await backend.limit_hit(limit):
                raise _too_many_new()
            params["may_add"] = True
        # else: the reader's other request added theirs meanwhile; change that one.
    raise ReactionRefused(_("Une erreur est survenue. Réessayez."), status=409)


async def reaction_remove_steps(
    backend: ReactionBackend, *, article_id: int, reader_key: str
) -> bool:
    (removed,) = await backend.fetchone(
        REMOVE_STATEMENT, {"article": article_id, "reader": reader_key}
    )
    return bool(removed)


class DjangoBackend:
    """The steps' backend inside Django: synchronous calls that complete at once,
    so that the steps run without an event loop (`run_to_completion`)."""

    async def kinds_active(self) -> list[ReactionKind]:
        return reaction_kinds_active()

    async def limit_hit(self, limit: RateLimit) -> bool:
        return rate_limit_hit(**limit._asdict())

    async def article_open(self, *, article_id: int) -> bool | None:
        return article_reactions_open(article_id=article_id)

    async def fetchone(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        assert row is not None
        return tuple(row)

    async def reaction_set(self, wanted: ReactionWanted) -> ReactionKind:
        return _reaction_set(wanted)

    async def reaction_remove(self, *, article_id: int, reader_key: str) -> bool:
        return reaction_remove(article_id=article_id, reader_key=reader_key)


DJANGO_BACKEND = DjangoBackend()


def reaction_set(
    *,
    article_id: int,
    reader_key: str,
    kind_slug: str,
    client_key: str,
    reader_is_new: bool = False,
) -> ReactionKind:
    """Give or change this reader's reaction. Giving the same one again changes
    nothing (a double click or a resubmitted form is harmless)."""
    return _reaction_set(
        ReactionWanted(
            article_id=article_id,
            reader_key=reader_key,
            kind_slug=kind_slug,
            client_key=client_key,
            reader_is_new=reader_is_new,
        )
    )


def _reaction_set(wanted: ReactionWanted) -> ReactionKind:
    if connection.vendor == "postgresql":
        return run_to_completion(reaction_set_steps(DJANGO_BACKEND, wanted))
    return _reaction_set_orm(wanted)


def reaction_remove(*, article_id: int, reader_key: str) -> bool:
    """Withdraw this reader's reaction; False when they had none."""
    if connection.vendor == "postgresql":
        return run_to_completion(
            reaction_remove_steps(
                DJANGO_BACKEND, article_id=article_id, reader_key=reader_key
            )
        )
    return _reaction_remove_orm(article_id=article_id, reader_key=reader_key)


# The same writes with the ORM (SQLite) ------------------------------------------------


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


@transaction.atomic
def _reaction_set_orm(wanted: ReactionWanted) -> ReactionKind:
    article_id, reader_key = wanted.article_id, wanted.reader_key
    kind = _kind_active(reaction_kinds_active(), wanted.kind_slug)
    existing = (
        Reaction.objects.select_for_update()
        .filter(article_id=article_id, reader_key=reader_key)
        .first()
    )
    if existing is None:
        limit = new_reactions_limit(article_id=article_id, client_key=wanted.client_key)
        if rate_limit_hit(**limit._asdict()):
            raise _too_many_new()
        try:
            with transaction.atomic():
                Reaction.objects.create(
                    article_id=article_id, reader_key=reader_key, kind=kind
                )
        except IntegrityError:
            # The same reader's other request created it a moment ago: change that one.
            existing = Reaction.objects.select_for_update().get(
                article_id=article_id, reader_key=reader_key
            )
        else:
            _counters_move(article_id=article_id, from_kind=None, to_kind=kind.pk)
            return kind
    previous_kind_id = existing.kind_id
    if previous_kind_id != kind.pk:
        existing.kind = kind
        _counters_move(
            article_id=article_id, from_kind=previous_kind_id, to_kind=kind.pk
        )
        existing.save(update_fields=["kind", "updated_at"])
    return kind


@transaction.atomic
def _reaction_remove_orm(*, article_id: int, reader_key: str) -> bool:
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
