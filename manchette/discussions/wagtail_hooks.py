from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from manchette.discussions.models import ModerationDecision, ModerationRule
from manchette.discussions.moderation_views import PERMISSION, moderation_queue


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
