from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from manchette.newsroom.selectors import articles_for_cards, sections_live
from manchette.search.selectors import (
    SearchFilters,
    article_search,
    highlight,
    query_terms,
)

PER_PAGE = 20


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    sections = sections_live()
    section_slug = request.GET.get("rubrique", "")
    section = next((s for s in sections if s.slug == section_slug), None)
    filters = SearchFilters(
        section=section,
        since=_date(request.GET.get("du")),
        until=_date(request.GET.get("au")),
    )
    results = article_search(query=query, filters=filters)
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    terms = query_terms(query)
    articles = articles_for_cards(page.object_list)
    hits = [
        {"article": a, "extract": highlight(a.standfirst + " " + a.body_text, terms)}
        for a in articles
    ]
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "results": hits,
            "page_obj": page,
            "count": len(results),
            "sections": sections,
            "filters": filters,
            "section_slug": section.slug if section else "",
        },
    )
