from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from manchette.core.models import OutboxMessage, SchedulerHeartbeat

SCHEDULER_STALE_SECONDS = 3 * 60


class SchedulerPanel(Component):
    """The newsroom's clock and whether scheduled publishing is alive."""

    name = "manchette_scheduler"
    order = 50
    template_name = "core/scheduler_panel.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        now = timezone.now()
        beats = list(SchedulerHeartbeat.objects.order_by("name"))
        for beat in beats:
            beat.age_seconds = int((now - beat.last_run_at).total_seconds())  # type: ignore[attr-defined]
            beat.healthy = (
                beat.age_seconds < SCHEDULER_STALE_SECONDS and not beat.last_error
            )  # type: ignore[attr-defined]
        return {
            "time_zone": settings.TIME_ZONE,
            "now": timezone.localtime(now),
            "beats": beats,
            "healthy": bool(beats) and all(b.healthy for b in beats),  # type: ignore[attr-defined]
        }


@hooks.register("construct_homepage_panels")
def add_scheduler_panel(request: Any, panels: list[Any]) -> None:
    panels.insert(0, SchedulerPanel())


class OutboxViewSet(ModelViewSet):
    """Read the emails a local install has "sent" (no mail server needed)."""

    model = OutboxMessage
    icon = "mail"
    menu_label = _("Boîte d’envoi")
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["subject", "to", "created_at"]
    search_fields = ["subject", "to"]
    form_fields = ["subject", "to", "text"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "created_at",
        "from_email",
        "to",
        "subject",
        "headers",
        "text",
    ]


@hooks.register("register_admin_viewset")
def register_outbox() -> OutboxViewSet:
    return OutboxViewSet("outbox")
