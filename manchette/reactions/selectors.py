"""Reads: the state of an article's reactions, the rankings and the editors' figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Page

from manchette.core.cache import async_cache
from manchette.core.coroutines import django_call
from manchette.newsroom.models import ArticlePage, SectionPage
from manchette.newsroom.selectors import articles_for_cards, articles_live
from manchette.reactions.conf import RANKING_SIZE
from manchette.reactions.models import Reaction, ReactionCount, ReactionKind

KINDS_CACHE_KEY = "reactions:kinds-active"
ARTICLE_OPEN_CACHE_SECONDS = 60


def reaction_kinds_active() -> list[ReactionKind]:
    """Read on every reaction and every etat.json: kept in the shared cache, and
    dropped there whenever an editor changes a kind (reactions.cache)."""
    kinds = cache.get_or_set(
        KINDS_CACHE_KEY,
        lambda: list(ReactionKind.objects.filter(active=True)),
        timeout=3600,
    )
    return list(kinds or [])


async def reaction_kinds_active_async() -> list[ReactionKind]:
    """The same list for the ASGI fast path: one asynchronous cache read, and
    Django's synchronous lookup (which fills the cache) on a miss."""
    kinds = await async_cache().aget(KINDS_CACHE_KEY)
    if kinds is None:
        return await django_call(reaction_kinds_active)
    return list(kinds)


def _article_open_key(article_id: int) -> str:
    return f"reactions:article-open:{article_id}"


def _article_open_cached(cached: object) -> bool | None:
    return cached if isinstance(cached, bool) else None


def article_reactions_open(*, article_id: int) -> bool | None:
    """Whether readers may react to this article now (its section's switch); None
    when it is not a live article. Asked on every reaction, so kept a minute in the
    shared cache: switching a section off takes effect within that minute."""
    key = _article_open_key(article_id)
    cached = cache.get(key)
    if cached is not None:
        return _article_open_cached(cached)
    found = article_for_reactions(article_id=article_id)
    value: bool | None = None if found is None else found.open
    cache.set(key, "missing" if value is None else value, ARTICLE_OPEN_CACHE_SECONDS)
    return value


async def article_reactions_open_async(*, article_id: int) -> bool | None:
    """The same answer for the ASGI fast path (Django's lookup on a cache miss)."""
    cached = await async_cache().aget(_article_open_key(article_id))
    if cached is not None:
        return _article_open_cached(cached)
    return await django_call(article_reactions_open, article_id=article_id)


@dataclass(frozen=True)
class KindTally:
    kind: ReactionKind
    count: int
    percent: int
    mine: bool


@dataclass(frozen=True)
class ReactionState:
    article_id: int
    tallies: list[KindTally]
    total: int
    mine: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "article": self.article_id,
            "total": self.total,
            "mine": self.mine,
            "kinds": [
                {
                    "slug": t.kind.slug,
                    "label": t.kind.label,
                    "count": t.count,
                    "percent": t.percent,
                }
                for t in self.tallies
            ],
        }


def percentages(counts: list[int]) -> list[int]:
    """Whole percentages that add up to exactly 100 (largest remainders), so that the
    bars a reader sees never total 99 or 101."""
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    exact = [c * 100 / total for c in counts]
    floors = [int(x) for x in exact]
    short = 100 - sum(floors)
    by_remainder = sorted(
        range(len(counts)), key=lambda i: exact[i] - floors[i], reverse=True
    )
    for i in by_remainder[:short]:
        floors[i] += 1
    return floors


def reader_reaction_slug(*, article_id: int, reader_key: str | None) -> str | None:
    if reader_key is None:
        return None
    return (
        Reaction.objects.filter(article_id=article_id, reader_key=reader_key)
        .values_list("kind__slug", flat=True)
        .first()
    )


UNKNOWN = object()


def reaction_state(
    *, article_id: int, reader_key: str | None, mine: Any = UNKNOWN
) -> ReactionState:
    """Counts and percentages of the active kinds, and this reader's choice (looked
    up unless the caller knows it): two small indexed queries at most, never cached
    (this is what cached pages fetch)."""
    counts = dict(
        ReactionCount.objects.filter(article_id=article_id).values_list(
            "kind_id", "count"
        )
    )
    if mine is UNKNOWN:
        mine = reader_reaction_slug(article_id=article_id, reader_key=reader_key)
    return reaction_state_build(
        article_id=article_id,
        kinds=reaction_kinds_active(),
        counts=counts,
        mine=mine,
    )


# The counters and the reader's reaction in one round trip (the ASGI fast path).
STATE_STATEMENT = f"""
SELECT kind_id, count, NULL FROM {ReactionCount._meta.db_table}
WHERE article_id = %(article)s
UNION ALL
SELECT NULL, NULL, k.slug
FROM {Reaction._meta.db_table} AS r JOIN {ReactionKind._meta.db_table} AS k
    ON k.id = r.kind_id
WHERE r.article_id = %(article)s AND r.reader_key = %(reader)s
"""  # noqa: S608 - table names from the models; values bound


def reaction_state_from_rows(
    *,
    article_id: int,
    kinds: list[ReactionKind],
    rows: list[tuple[Any, ...]],
    mine: Any = UNKNOWN,
) -> ReactionState:
    """`reaction_state` from the rows of STATE_STATEMENT."""
    counts = {kind_id: count for kind_id, count, _slug in rows if kind_id is not None}
    if mine is UNKNOWN:
        mine = next((slug for kind_id, _c, slug in rows if kind_id is None), None)
    return reaction_state_build(
        article_id=article_id, kinds=kinds, counts=counts, mine=mine
    )


def reaction_state_build(
    *,
    article_id: int,
    kinds: list[ReactionKind],
    counts: dict[int, int],
    mine: str | None,
) -> ReactionState:
    values = [counts.get(k.pk, 0) for k in kinds]
    return ReactionState(
        article_id=article_id,
        tallies=[
            KindTally(kind=k, count=c, percent=p, mine=k.slug == mine)
            for k, c, p in zip(kinds, values, percentages(values), strict=True)
        ],
        total=sum(values),
        mine=mine,
    )


@dataclass(frozen=True)
class ReactableArticle:
    article: ArticlePage
    section: SectionPage | None

    @property
    def open(self) -> bool:
        return self.section is None or self.section.reactions_enabled


def article_for_reactions(*, article_id: int) -> ReactableArticle | None:
    """The live article readers may react to, with its section's switch."""
    article = (
        articles_live()
        .filter(pk=article_id)
        .only("pk", "path", "title", "url_path")
        .first()
    )
    if article is None:
        return None
    section = (
        SectionPage.objects.filter(path=article.path[: -Page.steplen])
        .only("pk", "reactions_enabled")
        .first()
    )
    return ReactableArticle(article=article, section=section)


# Rankings ---------------------------------------------------------------------------


@dataclass
class RankedArticle:
    article: ArticlePage
    count: int


@dataclass
class Ranking:
    kind: str  # "commented" or "reactive"
    title: str
    periods: list[tuple[str, list[RankedArticle]]] = field(default_factory=list)
    pending: bool = False


RANKING_PERIODS = (("24h", timedelta(hours=24)), ("7j", timedelta(days=7)))


def _ranked(
    scores: list[tuple[int, int]], *, request: HttpRequest | None
) -> list[RankedArticle]:
    ids = [pk for pk, _ in scores]
    cards = {
        a.pk: a
        for a in articles_for_cards(articles_live().filter(pk__in=ids), request=request)
    }
    return [RankedArticle(cards[pk], n) for pk, n in scores if pk in cards]


def most_reactive_scores(
    *, since: datetime, section: SectionPage | None = None, limit: int = RANKING_SIZE
) -> list[tuple[int, int]]:
    """(article id, reactions given or changed since) for the most reacted-to live
    articles, most first."""
    reactions = Reaction.objects.filter(updated_at__gte=since)
    live = articles_live()
    if section is not None:
        live = live.descendant_of(section)
    reactions = reactions.filter(article__in=live.values("pk"))
    rows = (
        reactions.values("article_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "-article_id")[:limit]
    )
    return [(row["article_id"], row["n"]) for row in rows]


def most_commented_scores(
    *, since: datetime, section: SectionPage | None = None, limit: int = RANKING_SIZE
) -> list[tuple[int, int]] | None:
    """(article id, comments published since) for the most commented live articles,
    from the discussions app when it offers them; None until then (PENDING: it has
    per-article totals, not counts over a period).

    Discussions sits in the same layer as reactions, so this is the one place that
    looks for it, by name only (no import at module load). Expected signature:
    ``article_ids_most_commented(*, since, section=None, limit) -> [(id, count)]``."""
    try:
        from manchette.discussions import selectors as discussions
    except ImportError:
        return None
    scores = getattr(discussions, "article_ids_most_commented", None)
    if scores is None:
        return None
    return list(scores(since=since, section=section, limit=limit))


def rankings_scores(
    *, section: SectionPage | None, now: datetime | None = None
) -> dict[str, Any]:
    """Every figure the rankings block shows, as plain data (compared by the periodic
    refresh to decide whether cached pages need it again)."""
    now = now or timezone.now()
    result: dict[str, Any] = {}
    for key, delta in RANKING_PERIODS:
        result[f"reactive:{key}"] = most_reactive_scores(
            since=now - delta, section=section
        )
        result[f"commented:{key}"] = most_commented_scores(
            since=now - delta, section=section
        )
    return result


def rankings_for_page(
    *, page: Page | None, request: HttpRequest | None
) -> list[Ranking]:
    from django.utils.translation import gettext as _

    section = page if isinstance(page, SectionPage) else None
    scores = rankings_scores(section=section)
    labels = {"24h": _("24 heures"), "7j": _("7 jours")}
    rankings = []
    for prefix, title in (
        ("commented", _("Les plus commentés")),
        ("reactive", _("Les plus réactifs")),
    ):
        ranking = Ranking(kind=prefix, title=title)
        for key, _delta in RANKING_PERIODS:
            value = scores[f"{prefix}:{key}"]
            if value is None:
                ranking.pending = True
                continue
            ranking.periods.append((labels[key], _ranked(value, request=request)))
        rankings.append(ranking)
    return rankings


# Editors' figures ---------------------------------------------------------------------


def articles_with_most_reactions(*, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        ReactionCount.objects.values("article_id", "article__title")
        .annotate(total=Sum("count"))
        .filter(total__gt=0)
        .order_by("-total", "-article_id")[:limit]
    )
    return list(rows)


@dataclass(frozen=True)
class DayTally:
    day: date
    counts: list[int]  # in the order of `kinds`

    @property
    def total(self) -> int:
        return sum(self.counts)


def reactions_per_day(
    *, article_id: int, days: int = 30
) -> tuple[list[ReactionKind], list[DayTally]]:
    """The reactions readers hold on this article, by the day they were given (local
    time) and kind, for the last ``days`` days, every day present (zeros included)."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    kinds = list(ReactionKind.objects.all())
    rows = (
        Reaction.objects.filter(article_id=article_id)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .filter(day__gte=first)
        .values("day", "kind_id")
        .annotate(n=Count("pk"))
    )
    table = {(row["day"], row["kind_id"]): row["n"] for row in rows}
    tallies = [
        DayTally(day=d, counts=[table.get((d, k.pk), 0) for k in kinds])
        for d in (first + timedelta(days=i) for i in range(days))
    ]
    used = [
        i
        for i, _k in enumerate(kinds)
        if any(t.counts[i] for t in tallies) or kinds[i].active
    ]
    kinds = [kinds[i] for i in used]
    tallies = [DayTally(day=t.day, counts=[t.counts[i] for i in used]) for t in tallies]
    return kinds, tallies
