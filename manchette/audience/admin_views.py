"""The editors' audience dashboard and its CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from manchette.audience import charts, selectors

MAX_EXPORT_DAYS = 400


def _require_editor(request: HttpRequest) -> None:
    if not request.user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied


def _engagement(article_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Reactions and comments of these articles, from the apps that own them."""
    from manchette.discussions.selectors import comment_counts_for_articles
    from manchette.reactions.selectors import articles_with_most_reactions

    comments = comment_counts_for_articles(article_ids) if article_ids else {}
    # The reactions app exposes its most-reacted articles, not counts for given ids:
    # read enough of that ranking to cover the articles shown.
    reactions = {
        row["article_id"]: row["total"]
        for row in articles_with_most_reactions(limit=1000)
        if row["article_id"] in set(article_ids)
    }
    return reactions, comments


def _newsletter_growth() -> list[dict[str, Any]]:
    from manchette.newsletter.selectors import list_growth, newsletter_lists_for_readers

    rows = []
    for newsletter_list in newsletter_lists_for_readers():
        points = list_growth(newsletter_list=newsletter_list, days=30)
        values = [v for _d, v in points]
        rows.append(
            {
                "name": newsletter_list.name,
                "now": values[-1] if values else 0,
                "change": (values[-1] - values[0]) if values else 0,
                "spark": charts.sparkline_svg(
                    title=_("Abonnés de « %(name)s » sur 30 jours")
                    % {"name": newsletter_list.name},
                    values=values,
                ),
            }
        )
    return rows


def _moderation_waiting() -> dict[str, Any] | None:
    """The discussions app's queue waiting time, once it exposes it (see README)."""
    from manchette.discussions import selectors as discussions_selectors

    read = getattr(discussions_selectors, "moderation_queue_waiting", None)
    return read() if read is not None else None


def dashboard(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    today = selectors.start_of_today()
    week = selectors.start_of_week()
    top_today = selectors.top_articles(since=today)
    top_week = selectors.top_articles(since=week)
    ids = sorted({r.key for r in [*top_today, *top_week]})
    reactions, comments = _engagement(ids)
    hourly = selectors.views_per_hour(hours=48)
    daily = selectors.views_per_day(days=30)

    def with_engagement(rows: list[selectors.Row]) -> list[dict[str, Any]]:
        return [
            {
                "row": r,
                "reactions": reactions.get(r.key, 0),
                "comments": comments.get(r.key, 0),
            }
            for r in rows
        ]

    def bars(rows: list[selectors.Row]) -> list[dict[str, Any]]:
        top = max((r.views for r in rows), default=0) or 1
        return [{"row": r, "percent": round(100 * r.views / top)} for r in rows]

    return render(
        request,
        "audience/admin/dashboard.html",
        {
            "hourly_chart": charts.line_chart_svg(
                title=_("Pages vues par heure, 48 dernières heures"),
                points=[(f"{timezone.localtime(h):%H}h", v) for h, v in hourly],
            ),
            "daily_chart": charts.bar_chart_svg(
                title=_("Pages vues par jour, 30 derniers jours"),
                points=[(date_format(d, "j M"), v) for d, v in daily],
            ),
            "hourly": hourly,
            "daily": daily,
            "total_today": selectors.total_views(since=today),
            "total_week": selectors.total_views(since=week),
            "top_today": with_engagement(top_today),
            "top_week": with_engagement(top_week),
            "sections": bars(selectors.views_by_section(since=week)),
            "topics": bars(selectors.views_by_topic(since=week)),
            "referrers": bars(selectors.views_by_referrer(since=week)),
            "newsletter": _newsletter_growth(),
            "moderation": _moderation_waiting(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require_editor(request)
    try:
        days = min(max(int(request.GET.get("jours", 30)), 1), MAX_EXPORT_DAYS)
    except ValueError:
        days = 30
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in selectors.export_rows(days=days)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="audience-{stamp}-{days}j.csv"'
    )
    return response
