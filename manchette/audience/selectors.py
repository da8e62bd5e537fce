"""Reads for the editors' audience dashboard. Sections and topics are derived from
the articles at read time: the counters stay one row per hour, article and origin."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from wagtail.models import Page

from manchette.audience.models import DIRECT, INTERNAL, HourlyViews
from manchette.newsroom.models import ArticlePage, SectionPage


@dataclass(frozen=True)
class Row:
    label: str
    views: int
    url: str = ""
    key: Any = None


def _since(hours: int) -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=hours - 1
    )


def views_per_hour(*, hours: int = 48) -> list[tuple[datetime, int]]:
    """Every hour of the period, zeros included, oldest first."""
    start = _since(hours)
    totals = dict(
        HourlyViews.objects.filter(hour__gte=start)
        .values("hour")
        .annotate(n=Sum("views"))
        .values_list("hour", "n")
    )
    return [
        (start + timedelta(hours=i), totals.get(start + timedelta(hours=i), 0))
        for i in range(hours)
    ]


def views_per_day(*, days: int = 30) -> list[tuple[date, int]]:
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        HourlyViews.objects.annotate(
            day=TruncDate("hour", tzinfo=timezone.get_current_timezone())
        )
        .filter(day__gte=first)
        .values("day")
        .annotate(n=Sum("views"))
        .values_list("day", "n")
    )
    totals = dict(rows)
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0))
        for i in range(days)
    ]


def start_of_today() -> datetime:
    local = timezone.localtime()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def start_of_week() -> datetime:
    return start_of_today() - timedelta(days=timezone.localdate().weekday())


def top_articles(*, since: datetime, limit: int = 10) -> list[Row]:
    rows = list(
        HourlyViews.objects.filter(hour__gte=since)
        .values("article_id")
        .annotate(n=Sum("views"))
        .order_by("-n", "article_id")[:limit]
    )
    articles = ArticlePage.objects.in_bulk([r["article_id"] for r in rows])
    result = []
    for r in rows:
        article = articles.get(r["article_id"])
        if article is not None:
            result.append(Row(article.title, r["n"], article.url or "", key=article.pk))
    return result


def views_by_section(*, since: datetime) -> list[Row]:
    per_path: dict[str, int] = defaultdict(int)
    for path, n in (
        HourlyViews.objects.filter(hour__gte=since)
        .values("article__path")
        .annotate(n=Sum("views"))
        .values_list("article__path", "n")
    ):
        per_path[path[: -Page.steplen]] += n
    sections = {s.path: s for s in SectionPage.objects.filter(path__in=list(per_path))}
    rows = [
        Row(sections[p].title, n, sections[p].url or "", key=sections[p].pk)
        for p, n in per_path.items()
        if p in sections
    ]
    return sorted(rows, key=lambda r: (-r.views, r.label))


def views_by_topic(*, since: datetime, limit: int = 15) -> list[Row]:
    rows = (
        HourlyViews.objects.filter(hour__gte=since, article__topics__isnull=False)
        .values("article__topics__pk", "article__topics__name")
        .annotate(n=Sum("views"))
        .order_by("-n", "article__topics__name")[:limit]
    )
    return [
        Row(r["article__topics__name"], r["n"], key=r["article__topics__pk"])
        for r in rows
    ]


def referrer_label(referrer: str) -> str:
    from django.utils.translation import gettext as _

    if referrer == DIRECT:
        return _("accès direct ou inconnu")
    if referrer == INTERNAL:
        return _("pages du site")
    return referrer


def views_by_referrer(*, since: datetime, limit: int = 15) -> list[Row]:
    rows = (
        HourlyViews.objects.filter(hour__gte=since)
        .values("referrer")
        .annotate(n=Sum("views"))
        .order_by("-n", "referrer")[:limit]
    )
    return [Row(referrer_label(r["referrer"]), r["n"], key=r["referrer"]) for r in rows]


def total_views(*, since: datetime) -> int:
    return (
        HourlyViews.objects.filter(hour__gte=since).aggregate(n=Sum("views"))["n"] or 0
    )


def export_rows(*, days: int) -> Iterator[list[Any]]:
    """Hour by hour, for a spreadsheet: no more than the dashboard shows."""
    since = _since(days * 24)
    yield ["heure", "article_id", "article", "rubrique", "origine", "pages_vues"]
    sections = {s.path: s.title for s in SectionPage.objects.all()}
    rows = (
        HourlyViews.objects.filter(hour__gte=since)
        .order_by("hour", "article_id", "referrer")
        .values_list(
            "hour", "article_id", "article__title", "article__path", "referrer", "views"
        )
    )
    for hour, article_id, title, path, referrer, views in rows.iterator(
        chunk_size=2000
    ):
        yield [
            timezone.localtime(hour).strftime("%Y-%m-%d %H:00"),
            article_id,
            title,
            sections.get(path[: -Page.steplen], ""),
            referrer_label(referrer),
            views,
        ]
