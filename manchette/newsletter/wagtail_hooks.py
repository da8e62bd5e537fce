from __future__ import annotations

from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from manchette.newsletter import admin_views
from manchette.newsletter.models import Edition, NewsletterList, Subscriber, Suppression


class DashboardColumn(Column):
    """A link from the editions' list to each edition's dashboard."""

    def get_value(self, instance: Edition) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("newsletter_editions:dashboard", args=[instance.pk]),
            _("Aperçu et envoi"),
        )


class EditionViewSet(ModelViewSet):
    model = Edition
    icon = "mail"
    menu_label = _("Éditions")
    list_display = [
        "subject",
        "newsletter_list",
        "status",
        "total",
        "created_at",
        DashboardColumn("dashboard", label=_("Envoi")),
    ]
    list_filter = ["status", "kind", "newsletter_list"]
    search_fields = ["subject"]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "dashboard/<int:pk>/", admin_views.edition_dashboard, name="dashboard"
            ),
            path(
                "progress/<int:pk>/", admin_views.edition_progress_json, name="progress"
            ),
            path(
                "preview/<int:pk>/<str:part>/",
                admin_views.edition_preview,
                name="preview",
            ),
            path("action/<int:pk>/", admin_views.edition_action, name="action"),
        ]


class NewsletterListViewSet(ModelViewSet):
    model = NewsletterList
    icon = "list-ul"
    menu_label = _("Listes")
    list_display = ["name", "kind", "is_active", "position"]
    form_fields = ["name", "description", "position", "is_active"]


class GrowthViewSet(ViewSet):
    icon = "chart"
    menu_label = _("Croissance des listes")
    name = "newsletter_growth"

    @property
    def menu_url(self) -> str:
        return reverse("newsletter_growth:index")

    def get_urlpatterns(self):
        return [path("", admin_views.lists_growth, name="index")]


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Abonnés")
    list_display = ["email", "confirmed_at", "paused"]
    list_filter = ["paused", "lists"]
    search_fields = ["email"]
    form_fields = ["paused"]
    add_view_enabled = False
    inspect_view_enabled = True


class SuppressionViewSet(ModelViewSet):
    model = Suppression
    icon = "warning"
    menu_label = _("Liste de suppression")
    list_display = ["email", "reason", "created_at"]
    search_fields = ["email"]
    form_fields = ["email", "reason", "detail"]


class NewsletterGroup(ModelViewSetGroup):
    menu_label = _("Lettres")
    menu_icon = "mail"
    menu_order = 250
    items = (
        EditionViewSet("newsletter_editions"),
        NewsletterListViewSet("newsletter_lists"),
        GrowthViewSet("newsletter_growth"),
        SubscriberViewSet("newsletter_subscribers"),
        SuppressionViewSet("newsletter_suppressions"),
    )


@hooks.register("register_admin_viewset")
def register_newsletter() -> NewsletterGroup:
    return NewsletterGroup()
