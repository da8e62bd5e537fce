"""Reads for the newsroom's pages. Every listing goes through `articles_for_cards`,
which loads what a card shows in a fixed number of queries, whatever the count."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.template import RequestContext
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.query import PageQuerySet

from manchette.core.http import page_cache_tags, page_cache_tags_add
from manchette.core.pagecache import value_cached
from manchette.core.parts import part_cached
from manchette.newsroom.models import ArticlePage, Author, SectionPage, SiteIdentity
from manchette.newsroom.og import og_image_path
from manchette.topics.models import Topic
from manchette.topics.selectors import article_body_html  # topics app: linked body

CARD_IMAGE = "fill-640x360-c80"
HERO_IMAGE = "width-1200"
PER_PAGE = 20
HOME_PER_SECTION = 4

# Other apps add to an article's JSON-LD (corrections, live coverage): each gets the
# article and the dict, and may change the dict.
JsonLdExtender = Callable[[ArticlePage, dict[str, Any]], None]
json_ld_extenders: list[JsonLdExtender] = []

# Other apps add what cards show (comment counts, reactions) with one query per list.
CardAnnotator = Callable[[list[ArticlePage]], None]
card_annotators: list[CardAnnotator] = []


def articles_live() -> PageQuerySet:
    return ArticlePage.objects.live().public().order_by("-first_published_at", "-pk")


def sections_live(request: HttpRequest | None = None) -> list[SectionPage]:
    """The published sections, looked up once per request (navigation, cards and
    blocks all need them)."""
    cached = getattr(request, "_manchette_sections", None)
    if cached is not None:
        return cached

    def load() -> list[SectionPage]:
        loaded = list(SectionPage.objects.live().public().order_by("path"))
        for section in loaded:  # one site lookup, not one per link
            section.href = section.get_url(request)
        return loaded

    # Editing, publishing, moving or restricting a section invalidates "site".
    host = request.get_host() if request is not None else ""
    sections = value_cached(f"sections:{host}", tags=["site"], compute=load)
    if request is not None:
        request._manchette_sections = sections  # type: ignore[attr-defined]
    return sections


VIEW_RESTRICTIONS_TAG = "view-restrictions"


class ViewRestrictions(NamedTuple):
    restricted: tuple[str, ...]  # tree paths of the pages with a view restriction
    aliases: tuple[str, ...]  # and of aliases, which take their source's


def view_restrictions() -> ViewRestrictions:
    """Where view restrictions are, from the shared cache: Wagtail reads them from the
    database for every serve and every ``.public()`` (ten reads for la Une)."""

    def load() -> ViewRestrictions:
        restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
        aliases = Page.objects.filter(alias_of__isnull=False).values_list(
            "path", flat=True
        )
        return ViewRestrictions(tuple(sorted(set(restricted))), tuple(sorted(aliases)))

    return value_cached("view-restrictions", tags=[VIEW_RESTRICTIONS_TAG], compute=load)


def articles_for_cards(
    queryset: Iterable[ArticlePage] | QuerySet[ArticlePage],
    *,
    request: HttpRequest | None = None,
) -> list[ArticlePage]:
    """Load the articles with their images, authors and section, in a fixed number of
    queries, and let the other apps annotate them. With a request, the page being
    rendered is tagged with each article, so that editing one refreshes the page."""
    if isinstance(queryset, QuerySet):
        images = get_image_model().objects.prefetch_renditions(CARD_IMAGE)
        queryset = queryset.prefetch_related(
            Prefetch("hero_image", queryset=images), "authors"
        )
    articles = list(queryset)
    sections = {s.path: s for s in sections_live(request)}
    for article in articles:
        article.section = sections.get(article.path[: -Page.steplen])
    for annotate in card_annotators:
        annotate(articles)
    if request is not None:
        page_cache_tags(
            request,
            *(f"page:{a.pk}" for a in articles),
            *(f"discussion:{a.pk}" for a in articles),  # cards show comment counts
        )
    return articles


def paginate(
    queryset: QuerySet[ArticlePage],
    *,
    page: str | None,
    request: HttpRequest | None = None,
    per_page: int = PER_PAGE,
) -> PaginatorPage:
    paginator = Paginator(queryset, per_page)
    current = paginator.get_page(page)
    current.object_list = articles_for_cards(current.object_list, request=request)
    return current


def article_list_for_section(*, section: SectionPage) -> PageQuerySet:
    return articles_live().descendant_of(section)


def article_list_for_topic(*, topic: Topic) -> PageQuerySet:
    return articles_live().filter(topics=topic)


def article_list_for_author(*, author: Author) -> PageQuerySet:
    return articles_live().filter(authors=author)


def home_page_blocks(
    *, home: Page, request: HttpRequest | None = None
) -> dict[str, Any]:
    """La Une: the lead story and the latest articles of each section, in a fixed
    number of queries (ids first, then one card query)."""
    sections = sections_live(request)
    latest = list(articles_live().values_list("pk", "path")[:400])
    lead_id = getattr(home, "lead_article_id", None)
    if lead_id is None or not articles_live().filter(pk=lead_id).exists():
        lead_id = latest[0][0] if latest else None
    by_section: dict[str, list[int]] = {s.path: [] for s in sections}
    for pk, path in latest:
        bucket = by_section.get(path[: -Page.steplen])
        if bucket is not None and pk != lead_id and len(bucket) < HOME_PER_SECTION:
            bucket.append(pk)
    wanted = [lead_id, *(pk for ids in by_section.values() for pk in ids)]
    chosen = articles_live().filter(pk__in=[pk for pk in wanted if pk])
    cards = {a.pk: a for a in articles_for_cards(chosen, request=request)}
    return {
        "lead": cards.get(lead_id) if lead_id else None,
        "section_blocks": [
            {
                "section": s,
                "articles": [cards[pk] for pk in by_section[s.path] if pk in cards],
            }
            for s in sections
            if by_section[s.path]
        ],
    }


def absolute_url(request: HttpRequest | None, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def article_detail_context(
    *, article: ArticlePage, request: HttpRequest
) -> dict[str, Any]:
    sections = {s.path: s for s in sections_live(request)}
    section = (
        sections.get(article.path[: -Page.steplen]) or article.get_parent().specific
    )
    return {
        "section": section,
        "canonical_url": _canonical(article=article, request=request),
    }


def article_parts(
    *, article: ArticlePage, request: HttpRequest, context: dict[str, Any]
) -> tuple[SafeString, SafeString]:
    """The article's own markup: the meta tags of its head, and the ``<article>``
    element with the reactions under it. For the live page served to readers it is
    rendered once and kept in the shared cache while the article, its section, topics
    and authors do not change; comments and the live blog are parts of their own
    around it, so that a new comment does not render the article again. ``context``
    is the page's (a view may add to it: the embargo notice)."""
    if _served_to_readers(article=article, request=request):
        return part_cached(
            request,
            f"article:{article.pk}",
            lambda: _article_parts(article=article, request=request, context=context),
            tags=(f"page:{article.pk}", "site"),
        )
    # A preview, a draft under embargo: never kept.
    return _article_parts(article=article, request=request, context=context)


def _canonical(*, article: ArticlePage, request: HttpRequest) -> str:
    return absolute_url(request, article.get_url(request) or article.url_path)


def _served_to_readers(*, article: ArticlePage, request: HttpRequest) -> bool:
    # The page cache's hook tags only the live page served by Wagtail (not a
    # preview, not a revision shown under embargo): what it tags may be kept.
    return f"page:{article.pk}" in (getattr(request, "page_cache_tags", None) or ())


def _article_parts(
    *, article: ArticlePage, request: HttpRequest, context: dict[str, Any]
) -> tuple[SafeString, SafeString]:
    section = context["section"]
    authors = list(article.authors.all())
    topics = list(article.topics.all())
    page_cache_tags_add(
        request,
        *(f"topic:{t.pk}" for t in topics),
        *(f"author:{a.pk}" for a in authors),
    )
    # Topic links (manchette.topics): honours topic_links_enabled and the editors'
    # "mots à ne pas lier"; the rendered, linked body is cached.
    body_html = article_body_html(article=article, topics=topics)
    canonical = context["canonical_url"]
    hero = article.hero_image.get_rendition(HERO_IMAGE) if article.hero_image else None
    if hero:
        image_url = absolute_url(request, hero.url)
    else:
        og = og_image_path(
            title=article.title,
            kicker=article.kicker,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
        image_url = absolute_url(request, f"{settings.MEDIA_URL}og/{og.name}")
    parts_context = RequestContext(
        request,
        {
            **context,
            "authors": authors,
            "topics": topics,
            "body_html": mark_safe(body_html),  # noqa: S308 - rendered by our own block templates
            "hero": hero,
            "canonical_url": canonical,
            "og_image_url": image_url,
            "json_ld": article_json_ld(
                article=article,
                authors=authors,
                section=section,
                canonical=canonical,
                image_url=image_url,
                request=request,
            ),
        },
    )
    meta, main = (
        mark_safe(get_template(name).template.render(parts_context))  # type: ignore[attr-defined]  # noqa: S308 - our templates
        for name in ("newsroom/_article_meta.html", "newsroom/_article_main.html")
    )
    return meta, main


def article_json_ld(
    *,
    article: ArticlePage,
    authors: list[Author],
    section: Page,
    canonical: str,
    image_url: str,
    request: HttpRequest,
) -> SafeString:
    identity = SiteIdentity.load(request_or_site=request)
    site = Site.find_for_request(request)
    publisher: dict[str, Any] = {
        "@type": "NewsMediaOrganization",
        "name": site.site_name if site else settings.WAGTAIL_SITE_NAME,
        "url": settings.SITE_URL + "/",
    }
    if identity.logo:
        publisher["logo"] = {
            "@type": "ImageObject",
            "url": absolute_url(request, identity.logo.get_rendition("max-600x60").url),
        }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "headline": article.title[:110],
        "description": article.search_description or article.standfirst,
        "datePublished": article.display_date.isoformat()
        if article.display_date
        else None,
        "dateModified": article.modified_date.isoformat()
        if article.modified_date
        else None,
        "author": [
            {
                "@type": "Person",
                "name": a.name,
                "url": absolute_url(request, a.get_absolute_url()),
            }
            for a in authors
        ]
        or [
            {
                "@type": "Organization",
                "name": publisher["name"],
                "url": publisher["url"],
            }
        ],
        "publisher": publisher,
        "articleSection": section.title,
        "inLanguage": settings.LANGUAGE_CODE,
        "isAccessibleForFree": True,
    }
    if image_url:
        data["image"] = [image_url]
    for extend in json_ld_extenders:
        extend(article, data)
    # Escape what could close the script element; the JSON stays valid.
    text = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return mark_safe(text)  # noqa: S308
