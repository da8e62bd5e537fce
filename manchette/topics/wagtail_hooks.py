"""The topics app in the Wagtail admin: the topics listing (with article counts and a
merge action), and suggested topics for each article saved."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from manchette.topics import admin_views
from manchette.topics.models import Topic
from manchette.topics.selectors import (
    suggestions_pending_count,
    topics_with_article_counts,
)
from manchette.topics.services import topic_suggestions_request


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = gettext_lazy("Sujets")
    menu_order = 210
    add_to_admin_menu = True
    list_display = [
        "name",
        "kind",
        Column(
            "article_count", label=gettext_lazy("Articles"), sort_key="article_count"
        ),
        "slug",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "aliases"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return topics_with_article_counts()


register_snippet(TopicViewSet)


@hooks.register("register_admin_urls")
def topics_admin_urls() -> list[Any]:
    return [
        path(
            "sujets-suggeres/<int:article_id>/",
            admin_views.article_suggestions,
            name="topics_article_suggestions",
        ),
        path("sujets-fusion/<int:topic_id>/", admin_views.merge, name="topics_merge"),
    ]


@hooks.register("register_snippet_listing_buttons")
def topic_merge_button(
    snippet: Any, user: Any, next_url: str | None = None
) -> list[Any]:
    if not isinstance(snippet, Topic) or not user.has_perm("topics.delete_topic"):
        return []
    return [
        Button(
            _("Fusionner dans un autre sujet"),
            reverse("topics_merge", args=[snippet.pk]),
            icon_name="resubmit",
            priority=30,
        )
    ]


def _is_article(page: Any) -> bool:
    from manchette.newsroom.models import ArticlePage

    return isinstance(page.specific_deferred, ArticlePage)


@hooks.register("register_page_header_buttons")
def suggested_topics_button(
    page: Any, user: Any, next_url: str | None = None, view_name: str | None = None
) -> list[Any]:
    if view_name != "edit" or not _is_article(page):
        return []
    count = suggestions_pending_count(article_id=page.pk)
    label = _("Sujets suggérés (%(count)s)") % {"count": count}
    return [
        HeaderButton(
            label,
            reverse("topics_article_suggestions", args=[page.pk]),
            icon_name="tag",
            priority=15,
        )
    ]


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def suggest_topics_after_save(request: HttpRequest, page: Any) -> None:
    """Saving never waits for suggestions of a long article (they run in a task); the
    editor is told where to find them."""
    if not _is_article(page):
        return
    done_now = topic_suggestions_request(article=page.specific)
    url = reverse("topics_article_suggestions", args=[page.pk])
    if done_now:
        count = suggestions_pending_count(article_id=page.pk)
        text = _("%(count)s sujet(s) suggéré(s) pour cet article.") % {"count": count}
    else:
        text = _(
            "Les sujets suggérés pour cet article arrivent dans quelques secondes."
        )
    messages.info(request, text, buttons=[messages.button(url, _("Examiner"))])
