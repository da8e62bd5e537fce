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
        beats = []
        for beat in SchedulerHeartbeat.objects.order_by("name"):
            age = int((now - beat.last_run_at).total_seconds())
            beats.append(
                {
                    "name": beat.name,
                    "last_run_at": beat.last_run_at,
                    "last_error": beat.last_error,
                    "age_seconds": age,
                    "healthy": age < SCHEDULER_STALE_SECONDS and not beat.last_error,
                }
            )
        return {
            "time_zone": settings.TIME_ZONE,
            "now": timezone.localtime(now),
            "beats": beats,
            "healthy": bool(beats) and all(b["healthy"] for b in beats),
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
