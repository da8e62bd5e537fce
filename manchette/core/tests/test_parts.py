"""Parts of pages rendered once for every reader: kept until a tag they named
changes, and naming those tags on the page that shows them."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from manchette.core import pagecache
from manchette.core.http import page_cache_tags, page_cache_tags_add
from manchette.core.parts import part_cached

pytestmark = pytest.mark.django_db


def _render_naming(*tags: str, renders: list[str], request) -> str:
    renders.append("rendered")
    page_cache_tags_add(request, *tags)
    return f"rendu n° {len(renders)}"


def test_a_part_is_rendered_once_then_kept_until_a_tag_it_named_changes():
    renders: list[str] = []
    request = RequestFactory().get("/")
    page_cache_tags(request, "page:1")

    def render() -> str:
        return _render_naming("topic:7", renders=renders, request=request)

    assert part_cached(request, "essai", render) == "rendu n° 1"
    assert part_cached(request, "essai", render) == "rendu n° 1"
    pagecache.tags_invalidate(["topic:8"])  # not one of its tags
    assert part_cached(request, "essai", render) == "rendu n° 1"
    pagecache.tags_invalidate(["topic:7"])  # named while it rendered
    assert part_cached(request, "essai", render) == "rendu n° 2"
    pagecache.tags_invalidate(["site"])  # given by the caller
    assert part_cached(request, "essai", render) == "rendu n° 3"


def test_the_page_showing_a_part_carries_its_tags_whether_rendered_or_kept():
    renders: list[str] = []

    def request_for_a_cached_page():
        request = RequestFactory().get("/")
        page_cache_tags(request, "page:1")
        return request

    first, second = request_for_a_cached_page(), request_for_a_cached_page()
    for request in (first, second):
        part_cached(
            request,
            "essai",
            lambda r=request: _render_naming("author:3", renders=renders, request=r),
            tags=("site", "page:2"),
        )
    assert len(renders) == 1
    for request in (first, second):
        assert request.page_cache_tags == {"page:1", "page:2", "author:3", "site"}


def test_a_part_on_a_page_that_is_never_cached_does_not_make_it_cacheable():
    request = RequestFactory().get("/recherche/")
    part_cached(
        request,
        "essai",
        lambda: _render_naming("newsletter:lists", renders=[], request=request),
    )
    assert getattr(request, "page_cache_tags", None) is None


def test_a_part_rendered_while_one_of_its_tags_changed_is_not_kept():
    renders: list[str] = []
    request = RequestFactory().get("/")

    def render_while_an_editor_publishes() -> str:
        renders.append("rendered")
        pagecache.tags_invalidate(["site"])
        return "peut-être l’état d’avant"

    part_cached(request, "essai", render_while_an_editor_publishes)
    part_cached(request, "essai", render_while_an_editor_publishes)
    assert len(renders) == 2
