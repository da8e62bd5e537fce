"""Flashes in the Wagtail admin: « Publier un flash » (one form) and the snippet
editor with revisions, locking, preview and scheduling (« Flashs info »)."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from manchette.flashes import admin_views
from manchette.flashes.models import Flash


class FlashViewSet(SnippetViewSet):
    model = Flash
    icon = "warning"
    menu_label = gettext_lazy("Flashs info")
    menu_order = 205
    add_to_admin_menu = True
    list_display = ["text", "level", "is_alert", "first_published_at", "expire_at"]
    list_filter = ["level", "is_alert", "live"]
    search_fields = ["text"]


register_snippet(FlashViewSet)


@hooks.register("register_admin_urls")
def flashes_admin_urls() -> list[Any]:
    return [
        path(
            "flashs/publier/", admin_views.quick_publish, name="flashes_quick_publish"
        ),
        path(
            "flashs/<int:flash_id>/retirer/",
            admin_views.withdraw,
            name="flashes_withdraw",
        ),
    ]


class QuickFlashMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return request.user.has_perm("flashes.add_flash")


@hooks.register("register_admin_menu_item")
def quick_flash_menu_item() -> MenuItem:
    return QuickFlashMenuItem(
        gettext_lazy("Publier un flash"),
        reverse("flashes_quick_publish"),
        icon_name="warning",
        order=204,
    )
