from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from manchette.core.http import page_cache_tags
from manchette.flashes.models import Flash
from manchette.flashes.selectors import (
    flash_list_active,
    flash_list_published,
    flash_payload,
)
from manchette.live.selectors import event_last_id

ARCHIVE_PAGE_SIZE = 50
FEED_SIZE = 30


def flash_active_json(request: HttpRequest) -> JsonResponse:
    """The banner's content, fetched by every page (which stays cached whatever the
    flashes do). ``last_event_id`` lets the page's stream replay what followed."""
    page_cache_tags(request, "flashes")
    last_event_id = event_last_id()  # before the flashes: a replay may repeat, not miss
    flashes = [flash_payload(flash=f) for f in flash_list_active()]
    return JsonResponse({"flashes": flashes, "last_event_id": last_event_id})


def flash_archive(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, "flashes", "site")
    page = Paginator(flash_list_published(), ARCHIVE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "flashes/archive.html", {"flashes": page})


class FlashFeed(Feed):
    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page_cache_tags(request, "flashes", "site")
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return _("Flashs info – %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}

    def link(self) -> str:
        return "/flashs/"

    def description(self) -> str:
        return _("Les derniers flashs info de %(site)s") % {
            "site": settings.WAGTAIL_SITE_NAME
        }

    def items(self) -> list[Flash]:
        return list(flash_list_published()[:FEED_SIZE])

    def item_title(self, item: Flash) -> str:
        return item.text

    def item_description(self, item: Flash) -> str:
        return item.text

    def item_link(self, item: Flash) -> str:
        return item.link or f"/flashs/#flash-{item.pk}"

    def item_guid(self, item: Flash) -> str:
        return f"{settings.SITE_URL}/flashs/#flash-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Flash) -> Any:
        return item.published_at
