"""Searching the articles in French: accents ignored, plurals found, results highlighted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manchette.newsroom.tests.factories import make_article
from manchette.search.selectors import SearchFilters, article_search, fold, highlight

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(site_tree):
    return {
        "paix": make_article(
            site_tree.sections["international"],
            title="L’Azerbaïdjan et l’Arménie acceptent des pourparlers de paix",
            paragraphs=["Les ministres de l’Arménie sont attendus à Moscou."],
        ),
        "budget": make_article(
            site_tree.sections["politique"],
            title="Le budget adopté",
            paragraphs=["Les députés ont voté."],
        ),
    }


def _titles(results):
    return [a.title for a in results]


def test_accents_do_not_matter(articles):
    assert articles["paix"].title in _titles(
        article_search(query="Armenie", filters=SearchFilters())
    )
    assert articles["paix"].title in _titles(
        article_search(query="ARMÉNIE", filters=SearchFilters())
    )


def test_a_singular_finds_the_plural(articles):
    assert articles["paix"].title in _titles(
        article_search(query="pourparler", filters=SearchFilters())
    )


def test_words_in_the_body_are_found_and_unrelated_articles_are_not(articles):
    results = _titles(article_search(query="ministres Moscou", filters=SearchFilters()))
    assert results == [articles["paix"].title]


def test_filters_by_section_and_date(articles, site_tree):
    politique = site_tree.sections["politique"]
    assert _titles(
        article_search(query="budget", filters=SearchFilters(section=politique))
    ) == ["Le budget adopté"]
    assert (
        article_search(
            query="budget", filters=SearchFilters(section=site_tree.sections["sport"])
        )
        == []
    )
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    assert article_search(query="budget", filters=SearchFilters(since=tomorrow)) == []


def test_highlights_mark_every_matching_word_whatever_its_accents():
    html = highlight("Les ministres de l’Arménie et les Arméniens", ["armenie"])
    assert "<mark>Arménie</mark>" in html
    assert "<mark>Arméniens</mark>" in html


def test_highlights_escape_the_text():
    assert "&lt;script&gt;" in highlight(
        "<script>alert(1)</script> Arménie", ["armenie"]
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\x00",
        "a",
        "x" * 10_000,
        "' OR 1=1 --",
        "\u202e" * 100,
        "🙂" * 500,
        "*",
    ],
)
def test_odd_input_gives_no_error(articles, query):
    article_search(query=query, filters=SearchFilters())


def test_the_search_page_shows_results_with_highlights(client, articles):
    html = client.get("/recherche/", {"q": "Armenie"}).content.decode()
    assert articles["paix"].title.split()[0] in html
    assert "<mark>" in html
    assert "1 résultat" in html


def test_fold_removes_accents_and_case():
    assert fold("ÉLYSÉE Arménie") == "elysee armenie"
