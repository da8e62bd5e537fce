"""The reader's pages: la Une, sections, articles, topics, authors."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from manchette.newsroom.tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


def test_home_shows_the_lead_story_and_the_latest_articles_of_each_section(
    client, site_tree
):
    now = timezone.now()
    old = make_article(
        site_tree.sections["france"],
        title="Un article plus ancien",
        published_at=now - timedelta(days=1),
    )
    lead = make_article(
        site_tree.sections["international"],
        title="La grande affaire du jour",
        standfirst="Le chapô.",
        published_at=now,
    )
    html = client.get("/").content.decode()
    assert "La grande affaire du jour" in html
    assert "Un article plus ancien" in html
    assert html.index("La grande affaire du jour") < html.index(
        "Un article plus ancien"
    )
    assert 'class="card card--lead"' in html
    assert lead.pk != old.pk


def _queries_per_page(client, urls):
    counts = {}
    for url in urls:
        client.get(url)  # once-per-site work (settings row, schedule) out of the count
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    return counts


def test_home_section_article_and_topic_pages_take_a_fixed_number_of_queries(
    client, site_tree
):
    topic = make_topic("Arménie")
    author = make_author()
    section = site_tree.sections["international"]
    first = make_article(section, topics=[topic], authors=[author])
    urls = [
        "/",
        section.url,
        first.url,
        topic.get_absolute_url(),
        author.get_absolute_url(),
    ]
    with override_settings(PAGE_CACHE_ENABLED=False):
        few = _queries_per_page(client, urls)
        for _ in range(15):
            make_article(section, topics=[topic], authors=[author])
        many = _queries_per_page(client, urls)
    assert few == many
    assert (
        max(many.values()) <= 30
    )  # every app adding a block adds a fixed query or two


def test_section_pages_list_newest_first_and_paginate(client, site_tree):
    section = site_tree.sections["sport"]
    for i in range(23):
        make_article(section, title=f"Match {i:02d}")
    first = client.get(section.url).content.decode()
    assert first.index("Match 00") < first.index(
        "Match 01"
    )  # make_article dates each one older
    assert "Match 22" not in first
    second = client.get(section.url + "?page=2").content.decode()
    assert "Match 22" in second
    assert client.get(section.url + "?page=abc").status_code == 200
    assert client.get(section.url + "?page=99999").status_code == 200


def test_article_page_shows_everything_a_reader_expects(client, site_tree):
    author = make_author("Nigar Hasanova")
    topic = make_topic("Bakou")
    published = datetime(2020, 10, 9, 14, 5, tzinfo=ZoneInfo("Europe/Paris"))
    article = make_article(
        site_tree.sections["international"],
        title="L’Azerbaïdjan et l’Arménie acceptent l’invitation",
        kicker="FLASH INFO",
        standfirst="Les ministres sont attendus à Moscou.",
        source_credit="avec AFP",
        paragraphs=[
            "« Bakou et Erevan ont confirmé leur participation », a déclaré la porte-parole."
        ],
        topics=[topic],
        authors=[author],
        published_at=published,
        updated_at=datetime(2020, 10, 9, 16, 20, tzinfo=ZoneInfo("Europe/Paris")),
        update_note="Ajout d’une déclaration.",
    )
    html = client.get(article.url).content.decode()
    assert "FLASH INFO" in html
    assert "Les ministres sont attendus à Moscou." in html
    assert f'href="{author.get_absolute_url()}"' in html
    assert "(avec AFP)" in html
    assert "vendredi 9 octobre 2020 à 14\u00a0h\u00a005" in html
    assert "Mis à jour le" in html and "16\u00a0h\u00a020" in html
    assert "Ajout d’une déclaration." in html
    assert "Lecture" in html
    assert f'<a class="topic-link" href="/sujets/{topic.slug}/">Bakou</a>' in html


def test_article_json_ld_has_what_google_documents_for_news_articles(client, site_tree):
    author = make_author("Thomas Moreau")
    article = make_article(
        site_tree.sections["politique"], authors=[author], standfirst="Chapô."
    )
    html = client.get(article.url).content.decode()
    raw = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    ).group(1)
    data = json.loads(raw)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["datePublished"] and data["dateModified"]
    assert data["author"][0]["name"] == "Thomas Moreau"
    assert data["author"][0]["url"].endswith(author.get_absolute_url())
    assert data["image"]  # Google requires an image; the site's fallback stands in
    assert '<link rel="canonical" href="http' in html
    assert 'property="og:title"' in html and 'name="twitter:card"' in html


def test_hostile_article_text_is_rendered_inert(client, site_tree):
    article = make_article(
        site_tree.sections["france"],
        title="<script>alert(1)</script> Titre",
        paragraphs=["<img src=x onerror=alert(1)>"],
    )
    html = client.get(article.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_topic_and_author_pages_list_their_articles(client, site_tree):
    topic = make_topic("Turquie", kind="place")
    author = make_author("Claire Dubois")
    article = make_article(
        site_tree.sections["economie"],
        title="Le gaz et la Turquie",
        topics=[topic],
        authors=[author],
    )
    make_article(site_tree.sections["economie"], title="Sans rapport")
    topic_html = client.get(topic.get_absolute_url()).content.decode()
    assert article.title in topic_html and "Sans rapport" not in topic_html
    author_html = client.get(author.get_absolute_url()).content.decode()
    assert article.title in author_html and "Sans rapport" not in author_html
    assert client.get("/sujets/inconnu/").status_code == 404


def test_unknown_pages_get_a_french_404_in_the_site_look(client, site_tree):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?page=" + "9" * 5000,
        "?page=%00%ff",
        "?q=%E2%80%AE" * 50,
        "?page[]=1&page=2",
        "?" + "a=1&" * 3000,
    ],
)
def test_hostile_query_strings_give_a_normal_page(client, site_tree, query):
    make_article(site_tree.sections["france"])
    for path in ["/", site_tree.sections["france"].url, "/recherche/"]:
        assert client.get(path + query).status_code in (200, 400)
