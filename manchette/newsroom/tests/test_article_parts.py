"""An article's own markup is rendered once and kept while the article, its section,
topics and authors stay the same: a page the cache misses because of a new comment
costs only the comment block, and every change an editor makes still shows at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from manchette.discussions import services as discussions
from manchette.discussions.tests.factories import make_identity
from manchette.newsroom import selectors
from manchette.newsroom.tests.factories import make_article, make_author, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def article_renders(monkeypatch) -> list[int]:
    renders: list[int] = []
    render = selectors._article_parts

    def counting(*, article, request, context):
        renders.append(article.pk)
        return render(article=article, request=request, context=context)

    monkeypatch.setattr(selectors, "_article_parts", counting)
    return renders


def test_a_new_comment_refreshes_the_page_without_rendering_the_article_again(
    client, site_tree, article_renders, django_capture_on_commit_callbacks
):
    article = make_article(site_tree.sections["france"], title="La réforme")
    assert client.get(article.url)["X-Cache"] == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        comment = discussions.comment_post(
            article=article,
            identity=make_identity("Camille", trust="trusted"),
            body="Un avis tout neuf sur la réforme.",
            ip="203.0.113.5",
        )
    assert comment.status == "approved"
    page = client.get(article.url)
    assert page["X-Cache"] == "MISS"
    html = page.content.decode()
    assert "Un avis tout neuf sur la réforme." in html
    assert "La réforme" in html
    assert article_renders == [article.pk]


@override_settings(PAGE_CACHE_ENABLED=False)
def test_an_edited_article_shows_its_new_text_at_once(client, site_tree):
    article = make_article(site_tree.sections["france"], title="Premier titre")
    assert "Premier titre" in client.get(article.url).content.decode()
    article.title = "Titre corrigé"
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    assert "Titre corrigé" in html
    assert "Premier titre" not in html


@override_settings(PAGE_CACHE_ENABLED=False)
def test_renaming_a_topic_or_an_author_refreshes_the_articles_showing_them(
    client, site_tree, article_renders
):
    topic, author = make_topic("Arménie"), make_author("Hélène Vartanian")
    article = make_article(
        site_tree.sections["international"], topics=[topic], authors=[author]
    )
    client.get(article.url)
    client.get(article.url)
    assert article_renders == [article.pk]
    topic.name = "République d’Arménie"
    topic.save()
    assert "République d’Arménie" in client.get(article.url).content.decode()
    author.name = "Hélène Vartanian-Durand"
    author.save()
    assert "Hélène Vartanian-Durand" in client.get(article.url).content.decode()
    assert len(article_renders) == 3


@override_settings(PAGE_CACHE_ENABLED=False)
def test_a_preview_is_never_kept_for_readers(client, site_tree, article_renders):
    article = make_article(site_tree.sections["france"], title="Titre publié")
    client.get(article.url)
    article.title = "Brouillon à ne pas montrer"
    preview = article.make_preview_request()
    assert "Brouillon à ne pas montrer" in preview.content.decode()
    html = client.get(article.url).content.decode()
    assert "Titre publié" in html
    assert "Brouillon à ne pas montrer" not in html


def test_an_article_nobody_restricted_is_served_without_asking_for_restrictions(
    client, site_tree
):
    article = make_article(site_tree.sections["france"])
    client.get(article.url)
    with (
        override_settings(PAGE_CACHE_ENABLED=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get(article.url).status_code == 200
    assert not [q for q in queries if "pageviewrestriction" in q["sql"]]


def test_restricting_a_section_protects_its_articles_at_once(client, site_tree):
    article = make_article(site_tree.sections["sport"], title="Réservé aux abonnés")
    assert "Réservé aux abonnés" in client.get(article.url).content.decode()
    PageViewRestriction.objects.create(
        page=site_tree.sections["sport"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="abonnes",
    )
    with override_settings(PAGE_CACHE_ENABLED=False):
        html = client.get(article.url).content.decode()
    assert "Réservé aux abonnés" not in html
    assert 'name="password"' in html


def test_the_navigation_marks_the_section_being_read_on_every_page(client, site_tree):
    article = make_article(site_tree.sections["sport"])
    pages = {
        "/": '<a href="/" aria-current="page">',
        article.url: 'href="/sport/" aria-current="page"',
        site_tree.sections["culture"].url: 'href="/culture/" aria-current="page"',
    }
    for _ in range(2):  # rendered, then kept
        for url, current in pages.items():
            html = client.get(url).content.decode()
            assert html.count('aria-current="page"') == 1, url
            assert current in html, url


@override_settings(PAGE_CACHE_ENABLED=False)
def test_cards_follow_their_article_and_its_comment_count(
    client, site_tree, django_capture_on_commit_callbacks
):
    france = site_tree.sections["france"]
    article = make_article(france, title="Titre de la carte")
    make_article(france, title="Sa voisine")
    assert "Titre de la carte" in client.get(france.url).content.decode()
    article.title = "Carte retitrée"
    article.save_revision().publish()
    html = client.get(france.url).content.decode()
    assert "Carte retitrée" in html and "Sa voisine" in html
    with django_capture_on_commit_callbacks(execute=True):
        discussions.comment_post(
            article=article,
            identity=make_identity("Camille", trust="trusted"),
            body="Premier avis.",
            ip="203.0.113.5",
        )
    assert "1 commentaire" in client.get(france.url).content.decode()
