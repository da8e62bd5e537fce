"""The reactions app's slots in the shared templates. Each tag names what it shows
(`page_cache_tags`) so that whole-page-cached pages refresh when it changes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from manchette.core.http import page_cache_tags
from manchette.newsroom.models import ArticlePage
from manchette.reactions.cache import KINDS_TAG, RANKINGS_TAG
from manchette.reactions.models import ReactionKind
from manchette.reactions.selectors import (
    KindTally,
    ReactionState,
    rankings_for_page,
    reaction_kinds_active,
)
from manchette.reactions.sharing import share_links

register = template.Library()


@register.simple_tag
def reaction_icon(kind: ReactionKind) -> SafeString:
    if kind.icon_svg:
        return mark_safe(kind.icon_svg)  # noqa: S308 - sanitised to drawing elements on save
    return escape(kind.emoji)


def _tag(context: template.Context, *tags: str) -> None:
    request = context.get("request")
    if request is not None:
        page_cache_tags(request, *tags)


@register.inclusion_tag("reactions/_block.html", takes_context=True)
def reactions_block(context: template.Context) -> dict[str, Any]:
    """The reactions under an article, as the cached page shows them to everyone:
    the buttons, no counts (reactions.js fetches them; without JavaScript the results
    page shows them after a reaction, or on the « Voir les résultats » link)."""
    article = context.get("page")
    section = context.get("section")
    _tag(context, KINDS_TAG)
    if not isinstance(article, ArticlePage) or (
        section is not None and not getattr(section, "reactions_enabled", True)
    ):
        return {"enabled": False}
    # The buttons only: counts in a page cached for hours would be wrong at once.
    state = ReactionState(
        article_id=article.pk,
        tallies=[
            KindTally(kind=k, count=0, percent=0, mine=False)
            for k in reaction_kinds_active()
        ],
        total=0,
        mine=None,
    )
    return {"enabled": True, "article": article, "state": state, "show_results": False}


@register.inclusion_tag("reactions/_share.html", takes_context=True)
def reactions_share(context: template.Context, position: str) -> dict[str, Any]:
    article = context.get("page")
    url = context.get("canonical_url")
    if not isinstance(article, ArticlePage) or not url:
        return {"links": []}
    return {
        "position": position if position in ("top", "bottom") else "top",
        "title": article.title,
        "url": url,
        "links": share_links(article_id=article.pk, title=article.title, url=url),
    }


@register.inclusion_tag("reactions/_rankings.html", takes_context=True)
def reactions_rankings(context: template.Context) -> dict[str, Any]:
    _tag(context, RANKINGS_TAG)
    request = context.get("request")
    rankings = rankings_for_page(page=context.get("page"), request=request)
    # PENDING: « Les plus commentés » waits for the discussions app's windowed counts
    # (selectors.most_commented_scores); until then readers see only « Les plus réactifs ».
    return {"rankings": [r for r in rankings if r.periods]}
