"""Precise invalidation of cached pages (ours, and the reverse proxy's) when what
they show changes. Signals are used here only because this is infrastructure: the
main flow of publishing stays Wagtail's."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from manchette.core.pagecache import tags_invalidate
from manchette.core.scheduling import schedule_refresh
from manchette.newsroom.models import (
    ArticlePage,
    Author,
    SectionPage,
    SiteIdentity,
    StaticPage,
)

logger = logging.getLogger("manchette.cache")
LISTING_TAGS = ("list:home", "sitemaps")


def article_tags(article: ArticlePage) -> set[str]:
    tags = {f"page:{article.pk}", *LISTING_TAGS}
    parent_id = (
        ArticlePage.objects.filter(pk=article.pk).values_list("path", flat=True).first()
    )
    if parent_id:
        section = (
            SectionPage.objects.filter(path=parent_id[: -ArticlePage.steplen])
            .values_list("pk", flat=True)
            .first()
        )
        if section:
            tags.add(f"list:section:{section}")
    tags.update(
        f"list:topic:{pk}" for pk in article.topics.values_list("pk", flat=True)
    )
    tags.update(
        f"list:author:{pk}" for pk in article.authors.values_list("pk", flat=True)
    )
    return tags


def page_changed(page: Any) -> None:
    specific = page.specific
    if isinstance(specific, ArticlePage):
        tags = article_tags(specific)
    elif isinstance(specific, SectionPage):
        tags = {"site", f"page:{page.pk}", f"list:section:{page.pk}", *LISTING_TAGS}
    elif isinstance(specific, StaticPage):
        tags = {f"page:{page.pk}", "sitemaps"}
    else:
        tags = {"site", f"page:{page.pk}", *LISTING_TAGS}
    tags_invalidate(tags)
    frontend_purge(urls=[page.get_url() or "", "/", *_parent_urls(page)])


def _parent_urls(page: Any) -> list[str]:
    parent = page.get_parent()
    return [parent.get_url() or ""] if parent else []


def frontend_purge(*, urls: Iterable[str]) -> None:
    """Purge the reverse proxy or CDN in front, when one is configured."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    batch = PurgeBatch()
    batch.add_urls([settings.SITE_URL + u for u in {u for u in urls if u}])
    try:
        batch.purge()
    except Exception:  # a proxy that is down must not stop publishing
        logger.exception("frontend cache purge failed")


def on_page_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_changed(instance)


def on_page_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_changed(instance)
    parents = [kwargs.get("parent_page_before"), kwargs.get("parent_page_after")]
    tags_invalidate(
        ["site", *(f"list:section:{p.pk}" for p in parents if p is not None)]
    )


def on_revision_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.approved_go_live_at is not None:
        schedule_refresh()


def on_snippet_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Author):
        tags_invalidate([f"author:{instance.pk}", f"list:author:{instance.pk}"])
    elif isinstance(instance, SiteIdentity):
        if not kwargs.get(
            "created"
        ):  # the first load creates an empty row: nothing shown changes
            tags_invalidate(["site"])
    else:
        tags_invalidate([f"topic:{instance.pk}", f"list:topic:{instance.pk}"])


def connect() -> None:
    from wagtail.models import Revision, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from manchette.topics.models import Topic

    page_published.connect(on_page_published, dispatch_uid="manchette-cache-published")
    page_unpublished.connect(
        on_page_published, dispatch_uid="manchette-cache-unpublished"
    )
    post_page_move.connect(on_page_moved, dispatch_uid="manchette-cache-moved")
    post_save.connect(
        on_revision_saved, sender=Revision, dispatch_uid="manchette-schedule"
    )
    for model in (Author, SiteIdentity, Topic):
        post_save.connect(
            on_snippet_changed,
            sender=model,
            dispatch_uid=f"manchette-cache-{model.__name__}",
        )
        post_delete.connect(
            on_snippet_changed,
            sender=model,
            dispatch_uid=f"manchette-cache-del-{model.__name__}",
        )
    post_save.connect(
        lambda **kw: tags_invalidate(["site"]),
        sender=Site,
        weak=False,
        dispatch_uid="manchette-cache-site",
    )
