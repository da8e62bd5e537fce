"""RSS and Atom feeds for the whole site, each section, each topic and each author."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from manchette.core.http import page_cache_tags
from manchette.newsroom.models import ArticlePage, Author, SectionPage
from manchette.newsroom.selectors import (
    article_list_for_author,
    article_list_for_section,
    article_list_for_topic,
    articles_for_cards,
    articles_live,
)
from manchette.topics.models import Topic

FEED_SIZE = 30


class ArticleFeed(Feed):
    feed_type: type[Rss201rev2Feed] = Rss201rev2Feed
    language = settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        page_cache_tags(request, "site", "list:home")
        return None

    def title(self, obj: Any) -> str:
        return settings.WAGTAIL_SITE_NAME

    def link(self, obj: Any) -> str:
        return "/"

    def description(self, obj: Any) -> str:
        return _("Les derniers articles de %(site)s") % {
            "site": settings.WAGTAIL_SITE_NAME
        }

    def queryset(self, obj: Any) -> Any:
        return articles_live()

    def items(self, obj: Any) -> list[ArticlePage]:
        articles = articles_for_cards(self.queryset(obj)[:FEED_SIZE])
        page_cache_tags(self.request, *(f"page:{a.pk}" for a in articles))
        return articles

    def item_title(self, item: ArticlePage) -> str:
        return f"{item.kicker} – {item.title}" if item.kicker else item.title

    def item_description(self, item: ArticlePage) -> str:
        return item.standfirst or item.search_description

    def item_link(self, item: ArticlePage) -> str:
        return item.url_path and (item.get_url() or "")

    def item_pubdate(self, item: ArticlePage) -> Any:
        return item.display_date

    def item_updateddate(self, item: ArticlePage) -> Any:
        return item.modified_date

    def item_author_name(self, item: ArticlePage) -> str:
        return ", ".join(a.name for a in item.authors.all())

    def item_categories(self, item: ArticlePage) -> list[str]:
        section = getattr(item, "section", None)
        return [section.title] if section else []


class SectionFeed(ArticleFeed):
    def get_object(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> SectionPage:
        section = get_object_or_404(SectionPage.objects.live(), slug=kwargs["slug"])
        page_cache_tags(
            request, "site", f"list:section:{section.pk}", f"page:{section.pk}"
        )
        return section

    def title(self, obj: SectionPage) -> str:
        return f"{obj.title} – {settings.WAGTAIL_SITE_NAME}"

    def link(self, obj: SectionPage) -> str:
        return obj.get_url() or "/"

    def description(self, obj: SectionPage) -> str:
        return obj.intro or obj.title

    def queryset(self, obj: SectionPage) -> Any:
        return article_list_for_section(section=obj)


class TopicFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Topic:
        topic = get_object_or_404(Topic, slug=kwargs["slug"])
        page_cache_tags(request, "site", f"list:topic:{topic.pk}", f"topic:{topic.pk}")
        return topic

    def title(self, obj: Topic) -> str:
        return f"{obj.name} – {settings.WAGTAIL_SITE_NAME}"

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Topic) -> str:
        return obj.description or obj.name

    def queryset(self, obj: Topic) -> Any:
        return article_list_for_topic(topic=obj)


class AuthorFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Author:
        author = get_object_or_404(Author, slug=kwargs["slug"])
        page_cache_tags(
            request, "site", f"list:author:{author.pk}", f"author:{author.pk}"
        )
        return author

    def title(self, obj: Author) -> str:
        return f"{obj.name} – {settings.WAGTAIL_SITE_NAME}"

    def link(self, obj: Author) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Author) -> str:
        return obj.bio or obj.name

    def queryset(self, obj: Author) -> Any:
        return article_list_for_author(author=obj)


def atom(feed_class: type[ArticleFeed]) -> type[ArticleFeed]:
    return type(
        f"Atom{feed_class.__name__}",
        (feed_class,),
        {"feed_type": Atom1Feed, "subtitle": feed_class.description},
    )
