from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from manchette.discussions.rendering import identicon_svg

register = template.Library()


@register.simple_tag
def discussion_block(article: Any) -> SafeString:
    """The discussion under an article, as every reader sees it (cached with the page,
    and on its own until the discussion changes)."""
    from manchette.discussions.views import discussion_block_html

    return discussion_block_html(article=article)


@register.filter
def avatar(seed: str) -> SafeString:
    return mark_safe(identicon_svg(seed or "-"))  # noqa: S308 - built from a hash only


@register.filter
def html_body(comment: Any) -> SafeString:
    """The HTML rendered and sanitised when the comment was written."""
    return mark_safe(comment.body_html)  # noqa: S308 - nh3-cleaned at write time


_ANY_ID = 987654321


@lru_cache(maxsize=64)
def _comment_url_parts(name: str, prefix: str, urlconf: Any) -> tuple[str, str]:
    head, _id, tail = reverse(f"discussions:{name}", args=[_ANY_ID]).partition(
        str(_ANY_ID)
    )
    return head, tail


@register.filter
def comment_url(comment_id: int, name: str) -> str:
    """`{% url "discussions:<name>" comment.pk %}`, reversed once per link name
    instead of five times on every comment of every thread."""
    head, tail = _comment_url_parts(name, get_script_prefix(), get_urlconf())
    return f"{head}{int(comment_id)}{tail}"
