"""The live blog in the Wagtail admin: « Directs », the entries of every live
article, filtered by article; saving one pushes it to the open pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.widgets import AdminPageChooser
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from manchette.live.blog import live_entry_announce_change
from manchette.live.models import LiveEntry


class LiveEntryViewSet(SnippetViewSet):
    model = LiveEntry
    icon = "time"
    menu_label = gettext_lazy("Directs")
    menu_order = 206
    add_to_admin_menu = True
    list_display = ["__str__", "article", "pinned", "created_at", "edited_at"]
    list_filter = ["article", "pinned"]
    search_fields = ["text", "quote"]
    ordering = ["-created_at"]
    panels = [
        FieldPanel(
            "article", widget=AdminPageChooser(target_models=["newsroom.ArticlePage"])
        ),
        FieldPanel("text"),
        MultiFieldPanel(
            [FieldPanel("quote"), FieldPanel("quote_source")],
            heading=gettext_lazy("Citation"),
        ),
        FieldRowPanel([FieldPanel("image"), FieldPanel("image_caption")]),
        FieldPanel("link_url"),
        FieldPanel("flash"),
        FieldPanel("pinned"),
    ]

    def get_queryset(self, request: Any) -> Any:
        return LiveEntry.objects.filter(deleted_at__isnull=True).select_related(
            "article"
        )


register_snippet(LiveEntryViewSet)


@hooks.register("after_create_snippet")
def live_entry_created(request: Any, instance: Any) -> None:
    if isinstance(instance, LiveEntry):
        live_entry_announce_change(entry=instance, created=True)


@hooks.register("after_edit_snippet")
def live_entry_edited(request: Any, instance: Any) -> None:
    if isinstance(instance, LiveEntry):
        live_entry_announce_change(entry=instance, created=False)
