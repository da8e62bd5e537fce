from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from manchette.audience import admin_views


@hooks.register("register_admin_urls")
def audience_admin_urls() -> list[Any]:
    return [
        path("audience/", admin_views.dashboard, name="audience_dashboard"),
        path("audience/export.csv", admin_views.export_csv, name="audience_export"),
    ]


@hooks.register("register_admin_menu_item")
def audience_menu_item() -> MenuItem:
    return MenuItem(
        _("Audience"), reverse("audience_dashboard"), icon_name="view", order=240
    )
