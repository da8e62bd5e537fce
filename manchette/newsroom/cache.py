"""Precise invalidation of cached pages (ours, and the reverse proxy's) when what
they show changes. Signals are used here only because this is infrastructure: the
main flow of publishing stays Wagtail's."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page

from manchette.core.pagecache import tags_invalidate
from manchette.core.scheduling import schedule_refresh
from manchette.newsroom.models import (
    ArticlePage,
    Author,
    HomePage,
    SectionPage,
    SiteIdentity,
    StaticPage,
)
from manchette.newsroom.selectors import VIEW_RESTRICTIONS_TAG

logger = logging.getLogger("manchette.cache")
LISTING_TAGS = ("list:home", "sitemaps")


FEED_URLS = ("/flux/rss/", "/flux/atom/", "/sitemap.xml", "/sitemap-news.xml")


def article_tags_and_urls(article: ArticlePage) -> tuple[set[str], set[str]]:
    """What shows this article: its page, its section, topics and authors, la Une,
    the feeds and sitemaps — as page-cache tags and as URLs for the proxy in front."""
    tags = {f"page:{article.pk}", *LISTING_TAGS}
    urls = {article.get_url() or "", "/", *FEED_URLS}
    path = (
        ArticlePage.objects.filter(pk=article.pk).values_list("path", flat=True).first()
    )
    section = (
        SectionPage.objects.filter(path=path[: -ArticlePage.steplen]).first()
        if path
        else None
    )
    if section is not None:
        tags.add(f"list:section:{section.pk}")
        urls.update(
            {
                section.get_url() or "",
                f"/flux/rubrique/{section.slug}/rss/",
                f"/flux/rubrique/{section.slug}/atom/",
            }
        )
    for pk, slug in article.topics.values_list("pk", "slug"):
        tags.add(f"list:topic:{pk}")
        urls.update(
            {
                f"/sujets/{slug}/",
                f"/flux/sujet/{slug}/rss/",
                f"/flux/sujet/{slug}/atom/",
            }
        )
    for pk, slug in article.authors.values_list("pk", "slug"):
        tags.add(f"list:author:{pk}")
        urls.update(
            {
                f"/auteurs/{slug}/",
                f"/flux/auteur/{slug}/rss/",
                f"/flux/auteur/{slug}/atom/",
            }
        )
    return tags, urls


def page_changed(page: Any) -> None:
    specific = page.specific
    urls = {page.get_url() or "", "/"}
    if isinstance(specific, ArticlePage):
        tags, urls = article_tags_and_urls(specific)
    elif isinstance(specific, SectionPage):
        tags = {"site", f"page:{page.pk}", f"list:section:{page.pk}", *LISTING_TAGS}
    elif isinstance(specific, StaticPage):
        tags = {f"page:{page.pk}", "sitemaps"}
    else:
        tags = {"site", f"page:{page.pk}", *LISTING_TAGS}
    tags_invalidate(tags)
    frontend_purge(urls=urls)


def frontend_purge(*, urls: Iterable[str]) -> None:
    """Purge the reverse proxy or CDN in front, when one is configured, once the
    change is committed (purged earlier, the proxy could fetch the old page again)."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    def purge() -> None:
        batch = PurgeBatch()
        batch.add_urls([settings.SITE_URL + u for u in {u for u in urls if u}])
        try:
            batch.purge()
        except Exception:  # a proxy that is down must not stop publishing
            logger.exception("frontend cache purge failed")

    transaction.on_commit(purge)


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


def on_view_restriction_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A page made private (or public again) leaves (or joins) the listings and the
    navigation that show it."""
    tags_invalidate([VIEW_RESTRICTIONS_TAG])
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        page_changed(page)


def on_alias_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An alias takes its source's view restrictions: its path must be checked."""
    if instance.alias_of_id is not None:
        tags_invalidate([VIEW_RESTRICTIONS_TAG])


def connect() -> None:
    from wagtail.models import PageViewRestriction, Revision, Site
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
    for signal in (post_save, post_delete):
        signal.connect(
            on_view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"manchette-cache-restriction-{signal is post_save}",
        )
    for model in (HomePage, SectionPage, ArticlePage, StaticPage):
        post_save.connect(
            on_alias_saved,
            sender=model,
            dispatch_uid=f"manchette-alias-{model.__name__}",
        )
    for signal in (post_save, post_delete):
        signal.connect(
            lambda **kw: tags_invalidate(["site"]),
            sender=Site,
            weak=False,
            dispatch_uid=f"manchette-cache-site-{signal is post_save}",
        )
