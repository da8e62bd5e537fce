from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from manchette.newsroom.models import ArticlePage
from manchette.reactions.charts import kind_colour, reactions_chart_svg
from manchette.reactions.models import ReactionKind
from manchette.reactions.selectors import (
    articles_with_most_reactions,
    reactions_per_day,
)

CHART_DAYS = 30


class ReactionKindViewSet(ModelViewSet):
    model = ReactionKind
    icon = "pick"
    menu_label = _("Types de réaction")
    list_display = ["label", "emoji", "order", "active"]
    form_fields = ["label", "slug", "emoji", "icon_svg", "order", "active"]
    ordering = ["order", "pk"]


class ReactionReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reactions/admin/report.html"
    page_title = _("Réactions des lecteurs")
    header_icon = "pick"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["articles"] = articles_with_most_reactions()
        return context


class ArticleReactionsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reactions/admin/article.html"
    header_icon = "pick"

    def get_page_title(self) -> str:
        return str(_("Réactions : %(title)s") % {"title": self.article.title})

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("reactions_report:index"),
                "label": _("Réactions des lecteurs"),
            },
            {"url": "", "label": self.article.title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.article = get_object_or_404(ArticlePage, pk=self.kwargs["article_id"])
        kinds, days = reactions_per_day(article_id=self.article.pk, days=CHART_DAYS)
        context = super().get_context_data(**kwargs)
        context.update(
            article=self.article,
            kinds=[(k, kind_colour(i)) for i, k in enumerate(kinds)],
            days=[d for d in reversed(days) if d.total],
            chart=reactions_chart_svg(kinds=kinds, days=days),
            chart_days=CHART_DAYS,
            total=sum(d.total for d in days),
        )
        return context


class ReactionReportViewSet(ViewSet):
    name = "reactions_report"
    url_prefix = "reactions"
    icon = "pick"
    menu_label = _("Par article")
    menu_order = 10

    def get_urlpatterns(self) -> list[Any]:
        return [
            path("", ReactionReportView.as_view(), name="index"),
            path(
                "article/<int:article_id>/",
                ArticleReactionsView.as_view(),
                name="article",
            ),
        ]


class ReactionsGroup(ViewSetGroup):
    items = (ReactionReportViewSet, ReactionKindViewSet("reaction_kinds"))
    menu_icon = "pick"
    menu_label = _("Réactions")
    menu_order = 260


@hooks.register("register_admin_viewset")
def register_reactions_admin() -> ViewSetGroup:
    return ReactionsGroup()


@hooks.register("register_page_header_buttons")
def article_reactions_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> list[Button]:
    """From an article in the admin (its "…" menu), straight to its reactions per day."""
    if not isinstance(page.specific_deferred, ArticlePage):
        return []
    return [
        Button(
            _("Réactions des lecteurs"),
            url=reverse("reactions_report:article", args=[page.pk]),
            icon_name="pick",
            priority=80,
        )
    ]
