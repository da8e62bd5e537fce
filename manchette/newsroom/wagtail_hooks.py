from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from manchette.core.http import page_cache_tags
from manchette.newsroom.models import Author


@hooks.register("before_serve_page")
def tag_page_for_cache(
    page: Any, request: HttpRequest, serve_args: Any, serve_kwargs: Any
) -> None:
    cache_tags = getattr(page, "cache_tags", None)
    if (
        cache_tags is not None
        and page.live
        and not getattr(request, "is_preview", False)
    ):
        page_cache_tags(request, "site", *cache_tags())


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    menu_label = "Auteurs"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["name", "role", "slug"]
    search_fields = ["name"]


register_snippet(AuthorViewSet)
