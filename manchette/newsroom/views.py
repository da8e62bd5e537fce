from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from manchette.core.http import page_cache_tags
from manchette.core.models import SchedulerHeartbeat
from manchette.newsroom.models import Author
from manchette.newsroom.selectors import (
    article_list_for_author,
    article_list_for_topic,
    paginate,
)
from manchette.topics.models import Topic


def _listing(
    request: HttpRequest, *, name: str, obj: Topic | Author, articles: Any
) -> HttpResponse:
    """A topic's or an author's page: their articles, newest first, paginated."""
    page_cache_tags(request, "site", f"{name}:{obj.pk}", f"list:{name}:{obj.pk}")
    context = {
        name: obj,
        "articles": paginate(articles, page=request.GET.get("page"), request=request),
    }
    return render(request, f"newsroom/{name}_page.html", context)


@require_GET
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return _listing(
        request, name="topic", obj=topic, articles=article_list_for_topic(topic=topic)
    )


@require_GET
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author, slug=slug)
    return _listing(
        request,
        name="author",
        obj=author,
        articles=article_list_for_author(author=author),
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, "site")
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_PATH}/",
        "Disallow: /recherche/",
        "Disallow: /live/",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
        f"Sitemap: {settings.SITE_URL}{reverse('news-sitemap')}",
    ]
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and operators: the database answers, and when the
    scheduler last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = SchedulerHeartbeat.objects.order_by("-last_run_at").first()
    age = (timezone.now() - beat.last_run_at).total_seconds() if beat else None
    return JsonResponse(
        {
            "status": "ok",
            "database": connection.vendor,
            "scheduler_last_run_seconds_ago": round(age, 1)
            if age is not None
            else None,
        },
        headers={"Cache-Control": "no-store"},
    )
