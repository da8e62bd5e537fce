from __future__ import annotations

from django import template

from manchette.newsletter.selectors import newsletter_lists_for_block

register = template.Library()


@register.simple_tag
def newsletter_block_lists() -> list:
    return list(newsletter_lists_for_block())
