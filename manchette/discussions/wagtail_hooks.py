from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _now
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from manchette.core.charts import series_colour, stacked_bars_svg
from manchette.discussions import selectors
from manchette.discussions.models import ModerationDecision, ModerationRule
from manchette.discussions.moderation_views import (
    PERMISSION,
    moderation_queue,
    waiting_label,
)


@hooks.register("register_admin_urls")
def moderation_urls():
    return [path("discussions/moderation/", moderation_queue, name="discussions_queue")]


class QueueMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_menu_item")
def moderation_menu_item():
    return QueueMenuItem(
        _("Modération"), reverse("discussions_queue"), icon_name="comment", order=250
    )


class RuleViewSet(ModelViewSet):
    """Banned words, emails, domains and addresses, edited by the newsroom."""

    model = ModerationRule
    icon = "warning"
    menu_label = _("Règles de modération")
    menu_order = 251
    add_to_admin_menu = True
    list_display = ["kind", "value", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value"]
    form_fields = ["kind", "value", "note"]


class DecisionViewSet(ModelViewSet):
    """The history of decisions: who did what, when and why."""

    model = ModerationDecision
    icon = "history"
    menu_label = _("Décisions de modération")
    menu_order = 252
    add_to_admin_menu = True
    list_display = ["action", "moderator", "comment", "reason", "created_at"]
    list_filter = ["action"]
    form_fields = ["reason"]
    inspect_view_enabled = True


@hooks.register("register_admin_viewset")
def register_rule_viewset():
    return RuleViewSet("discussion_rules")


@hooks.register("register_admin_viewset")
def register_decision_viewset():
    return DecisionViewSet("discussion_decisions")


# Dashboard panel: comments per day, the queue's wait, the most discussed articles -----------------

CHART_DAYS = 30


class DiscussionsPanel(Component):
    """What the moderators and editors watch: the same few queries whatever the
    number of comments."""

    name = "manchette_discussions"
    order = 70
    template_name = "discussions/admin/dashboard_panel.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        days = selectors.comments_per_day(days=CHART_DAYS)
        series = [_now("publiés"), _now("en attente"), _now("écartés ou supprimés")]
        now = timezone.now()
        top = selectors.most_commented_with_titles(
            periods={"day": now - timedelta(hours=24), "week": now - timedelta(days=7)}
        )
        waiting = selectors.moderation_queue_waiting()
        return {
            "chart": stacked_bars_svg(
                title=_now("Commentaires reçus par jour, %(n)d derniers jours")
                % {"n": CHART_DAYS},
                css_class="discussions-chart",
                series=series,
                days=[(d.day, d.counts) for d in days],
            ),
            "legend": [(label, series_colour(i)) for i, label in enumerate(series)],
            "chart_days": CHART_DAYS,
            "total": sum(sum(d.counts) for d in days),
            "today": sum(days[-1].counts) if days else 0,
            "waiting": waiting,
            "waiting_for": waiting_label(waiting["oldest_minutes"]),
            "top_day": top["day"],
            "top_week": top["week"],
        }


@hooks.register("construct_homepage_panels")
def add_discussions_panel(request, panels: list[Any]) -> None:
    """Only for those who moderate the comments."""
    if request.user.has_perm(PERMISSION):
        panels.append(DiscussionsPanel())
