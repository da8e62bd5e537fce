"""The search page as a reader uses it: the form keeps what was asked, filters by
section and date narrow the results, results link to their articles, pages follow
one another, and odd or hostile input always gives a normal page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(site_tree):
    now = timezone.now()
    return {
        "paix": make_article(
            site_tree.sections["international"],
            title="L’Azerbaïdjan et l’Arménie acceptent des pourparlers de paix",
            paragraphs=["Les ministres de l’Arménie sont attendus à Moscou."],
            published_at=now - timedelta(days=1),
        ),
        "roman": make_article(
            site_tree.sections["culture"],
            title="Un premier roman sur l’exil arménien",
            paragraphs=["Trois générations entre Marseille et l’Arménie."],
            published_at=now - timedelta(days=40),
        ),
        "budget": make_article(
            site_tree.sections["politique"],
            title="Le budget adopté",
            paragraphs=["Les députés ont voté."],
            published_at=now - timedelta(days=2),
        ),
    }


def _search(client, **params):
    response = client.get("/recherche/", params)
    assert response.status_code == 200
    return response.content.decode()


def _result_titles(html: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", title))
        for title in re.findall(
            r'<h2 class="search-result__title">(.*?)</h2>', html, re.S
        )
    ]


def test_results_link_to_their_articles_and_the_form_keeps_the_words(client, articles):
    html = _search(client, q="Arménie")
    assert sorted(_result_titles(html)) == sorted(
        [articles["paix"].title, articles["roman"].title]
    )
    assert f'href="{articles["paix"].url}"' in html
    assert 'id="q" type="search" name="q" value="Arménie"' in html
    assert "2 résultats" in html
    assert '<meta name="robots" content="noindex">' in html


def test_section_filter_keeps_one_section_and_stays_selected(client, articles):
    html = _search(client, q="Arménie", rubrique="culture")
    assert _result_titles(html) == [articles["roman"].title]
    assert '<option value="culture" selected>' in html


def test_date_filters_keep_the_articles_of_the_period(client, articles):
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    html = _search(client, q="Arménie", du=since)
    assert _result_titles(html) == [articles["paix"].title]
    assert f'name="du" value="{since}"' in html
    until = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert _result_titles(_search(client, q="Arménie", au=until)) == [
        articles["roman"].title
    ]


def test_no_result_says_so_and_suggests_what_to_try(client, articles):
    html = _search(client, q="cyclisme")
    assert "0 résultat" in html
    assert "Aucun article ne correspond" in html


def test_results_are_paginated_and_the_next_page_keeps_the_query(client, site_tree):
    for i in range(23):
        make_article(site_tree.sections["sport"], title=f"Match de rugby {i:02d}")
    first = _search(client, q="rugby", rubrique="sport")
    assert len(_result_titles(first)) == 20
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert (
        "q=rugby" in next_link
        and "rubrique=sport" in next_link
        and "page=2" in next_link
    )
    second = client.get("/recherche/" + unescape(next_link))
    assert len(_result_titles(second.content.decode())) == 3


ODD_INPUTS = [
    {"q": "x" * 20_000},
    {"q": "Arménie\x00"},
    {"q": "Arménie", "du": "2020-13-45", "au": "hier"},
    {"q": "Arménie", "du": "9999-99-99"},
    {"q": "Arménie", "rubrique": "inconnue"},
    {"q": "Arménie", "page": "abc"},
    {"q": "Arménie", "page": "99999"},
    {"q": "%%%' OR 1=1 --"},
    {"q": "\u202e" * 300},
    {"q": ["Arménie", "paix"], "rubrique": ["culture", "sport"]},
]


def test_odd_or_hostile_input_gives_a_normal_page(client, articles):
    # One site for all the inputs: building it is what costs.
    for params in ODD_INPUTS:
        response = client.get("/recherche/", params)
        assert response.status_code == 200, params
        assert "<h1>Recherche</h1>" in response.content.decode(), params


def test_hostile_words_are_shown_inert(client, articles):
    html = _search(client, q='"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
