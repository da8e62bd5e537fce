from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from manchette.core.http import page_cache_tags
from manchette.newsroom.models import Author
from manchette.newsroom.selectors import articles_for_cards, articles_live
from manchette.topics.models import Topic


class TopicSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> Any:
        return Topic.objects.filter(articles__live=True).distinct().order_by("pk")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> Any:
        return Author.objects.order_by("pk")


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, "site", "list:home", "sitemaps")
    return wagtail_sitemap(
        request,
        sitemaps={
            "pages": WagtailSitemap,
            "topics": TopicSitemap,
            "authors": AuthorSitemap,
        },
    )


@require_GET
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Google News sitemap: the articles of the last 48 hours."""
    page_cache_tags(request, "site", "list:home", "sitemaps")
    since = timezone.now() - timedelta(hours=48)
    articles = articles_for_cards(
        articles_live().filter(first_published_at__gte=since)[:1000]
    )
    return TemplateResponse(
        request,
        "newsroom/news_sitemap.xml",
        {
            "articles": articles,
            "site_url": settings.SITE_URL,
            "publication_name": settings.WAGTAIL_SITE_NAME,
            "language": settings.LANGUAGE_CODE,
        },
        content_type="application/xml; charset=utf-8",
    )
