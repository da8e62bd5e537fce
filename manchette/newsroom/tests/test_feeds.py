"""What robots and feed readers fetch: RSS and Atom feeds (site, section, topic,
author), the XML sitemap, the Google News sitemap and robots.txt."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from manchette.newsroom.tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db

SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture
def newsroom(site_tree):
    """Two fresh articles and one from last week, sharing a section, a topic and an author."""
    topic = make_topic("Arménie", kind="place")
    author = make_author("Hélène Vartanian", slug="helene-vartanian")
    section = site_tree.sections["international"]
    now = timezone.now()
    fresh = [
        make_article(
            section,
            title=f"Pourparlers de paix, jour {day}",
            kicker="FLASH INFO",
            standfirst="Les ministres sont attendus à Moscou.",
            topics=[topic],
            authors=[author],
            published_at=now - timedelta(hours=hours),
        )
        for day, hours in ((1, 30), (2, 2))
    ]
    old = make_article(
        section,
        title="Un article de la semaine dernière",
        topics=[topic],
        authors=[author],
        published_at=now - timedelta(days=6),
    )
    return SimpleNamespace(
        section=section, topic=topic, author=author, fresh=fresh, old=old
    )


def _feed_urls(newsroom) -> dict[str, str]:
    urls = {}
    for kind in ("rss", "atom"):
        urls[f"site-{kind}"] = reverse(f"newsroom:feed-{kind}")
        urls[f"section-{kind}"] = reverse(
            f"newsroom:section-feed-{kind}", args=[newsroom.section.slug]
        )
        urls[f"topic-{kind}"] = reverse(
            f"newsroom:topic-feed-{kind}", args=[newsroom.topic.slug]
        )
        urls[f"author-{kind}"] = reverse(
            f"newsroom:author-feed-{kind}", args=[newsroom.author.slug]
        )
    return urls


def _xml(response) -> ElementTree.Element:
    # Our own site's output, in a test: nothing untrusted to defuse.
    return ElementTree.fromstring(response.content)  # noqa: S314


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@pytest.mark.parametrize("scope", ["site", "section", "topic", "author"])
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_parses_cleanly_with_absolute_links_to_its_articles(
    client, newsroom, scope, kind
):
    response = client.get(_feed_urls(newsroom)[f"{scope}-{kind}"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/rss+xml" if kind == "rss" else "application/atom+xml"
    )
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("rss20" if kind == "rss" else "atom10")
    assert _is_absolute(feed.feed.link)
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "FLASH INFO – Pourparlers de paix, jour 2",
        "FLASH INFO – Pourparlers de paix, jour 1",
        "Un article de la semaine dernière",
    ]
    for entry, article in zip(
        feed.entries, [*reversed(newsroom.fresh), newsroom.old], strict=True
    ):
        assert _is_absolute(entry.link)
        assert urlsplit(entry.link).path == article.url
        assert entry.get("published_parsed") or entry.get("updated_parsed")
    assert feed.entries[0].author == "Hélène Vartanian"
    assert client.get(urlsplit(feed.entries[0].link).path).status_code == 200


@pytest.mark.parametrize(
    "name", ["section-feed-rss", "topic-feed-atom", "author-feed-rss"]
)
def test_feed_of_an_unknown_section_topic_or_author_is_not_found(
    client, site_tree, name
):
    assert client.get(reverse(f"newsroom:{name}", args=["inconnu"])).status_code == 404


def test_feeds_leave_out_drafts(client, newsroom):
    make_article(
        newsroom.section,
        title="Brouillon secret",
        topics=[newsroom.topic],
        publish=False,
        live=False,
    )
    for url in _feed_urls(newsroom).values():
        feed = feedparser.parse(client.get(url).content)
        assert "Brouillon secret" not in [entry.title for entry in feed.entries]


def test_sitemap_lists_pages_articles_topics_and_authors_with_absolute_urls(
    client, newsroom
):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = [
        loc.text for loc in _xml(response).findall("sm:url/sm:loc", SITEMAP_NS)
    ]
    assert all(_is_absolute(loc) for loc in locations), locations
    paths = {urlsplit(loc).path for loc in locations}
    expected = {
        "/",
        newsroom.section.url,
        *(article.url for article in [*newsroom.fresh, newsroom.old]),
        newsroom.topic.get_absolute_url(),
        newsroom.author.get_absolute_url(),
    }
    assert expected <= paths


def test_news_sitemap_lists_only_the_articles_of_the_last_48_hours(client, newsroom):
    make_article(newsroom.section, title="Pas encore publié", publish=False, live=False)
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    urls = _xml(response).findall("sm:url", SITEMAP_NS)
    listed = {
        url.findtext("news:news/news:title", namespaces=SITEMAP_NS): url for url in urls
    }
    assert set(listed) == {"Pourparlers de paix, jour 1", "Pourparlers de paix, jour 2"}
    for article in newsroom.fresh:
        url = listed[article.title]
        assert (
            url.findtext("sm:loc", namespaces=SITEMAP_NS)
            == settings.SITE_URL + article.url
        )
        assert (
            url.findtext(
                "news:news/news:publication/news:language", namespaces=SITEMAP_NS
            )
            == "fr"
        )
        assert url.findtext(
            "news:news/news:publication/news:name", namespaces=SITEMAP_NS
        )
        published = url.findtext(
            "news:news/news:publication_date", namespaces=SITEMAP_NS
        )
        assert datetime.fromisoformat(published) == article.first_published_at


def test_robots_txt_points_to_both_sitemaps_and_keeps_robots_out_of_admin_and_search(
    client, site_tree
):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert f"Disallow: /{settings.ADMIN_PATH}/" in lines
    assert "Disallow: /recherche/" in lines
    sitemaps = [
        line.removeprefix("Sitemap: ") for line in lines if line.startswith("Sitemap: ")
    ]
    assert sitemaps == [
        settings.SITE_URL + "/sitemap.xml",
        settings.SITE_URL + "/sitemap-news.xml",
    ]
    assert all(_is_absolute(url) for url in sitemaps)
