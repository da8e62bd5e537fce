from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template

from manchette.trust import selectors

register = template.Library()


@register.simple_tag
def article_corrections(article: Any) -> list[Any]:
    return selectors.corrections_of(article)


@register.simple_tag
def article_replies(article: Any) -> list[Any]:
    return selectors.replies_of(article)


@register.filter
def host_of(url: str) -> str:
    return (urlsplit(str(url)).hostname or "").removeprefix("www.")
