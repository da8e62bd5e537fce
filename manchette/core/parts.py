"""Parts of a page rendered once for every reader and kept in the shared cache: the
masthead and footer every page shows, an article's own markup. A part names the
page-cache tags it depends on while it renders (as the page would), and is kept
until one of them is invalidated, so that a page the cache misses (a new comment
refreshed it) costs only what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.http import HttpRequest
from django.utils.translation import get_language

from manchette.core.http import page_cache_tags_add
from manchette.core.pagecache import fragment_cached

T = TypeVar("T")


def part_cached(
    request: HttpRequest,
    key: str,
    render: Callable[[], T],
    *,
    tags: Iterable[str] = ("site",),
) -> T:
    """``render()``, or its copy from the shared cache; the page serving it carries
    the tags it named, whether it was rendered now or earlier."""
    value, named = fragment_cached(
        f"part:{key}:{get_language()}:{request.get_host()}",
        compute=lambda: _rendered_with_tags(request, render, tags),
    )
    page_cache_tags_add(request, *named)
    return value


def _rendered_with_tags(
    request: HttpRequest, render: Callable[[], T], tags: Iterable[str]
) -> tuple[T, set[str]]:
    outer = getattr(request, "page_cache_tags", None)
    request.page_cache_tags = set()  # type: ignore[attr-defined]
    try:
        value = render()
        named: set[str] = request.page_cache_tags  # type: ignore[attr-defined]
    finally:
        if outer is None:
            del request.page_cache_tags  # type: ignore[attr-defined]
        else:
            request.page_cache_tags = outer  # type: ignore[attr-defined]
    return value, {*named, *tags}
