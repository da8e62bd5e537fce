from __future__ import annotations

from django import template

from manchette.core.http import page_cache_tags_add
from manchette.core.pagecache import value_cached
from manchette.newsletter.cache import LISTS_TAG
from manchette.newsletter.selectors import newsletter_lists_for_block

register = template.Library()


@register.simple_tag(takes_context=True)
def newsletter_block_lists(context: template.Context) -> list:
    """The lists of the sign-up block on every page, from the shared cache; the page
    showing them is refreshed when an editor changes them."""
    request = context.get("request")
    if request is not None:
        page_cache_tags_add(request, LISTS_TAG)
    return value_cached(
        "newsletter:block-lists",
        tags=[LISTS_TAG],
        compute=lambda: list(newsletter_lists_for_block()),
    )
