"""Topic links in a rendered article body."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from manchette.newsroom.tests.factories import make_article, make_topic
from manchette.topics.linking import LinkTarget, links_apply
from manchette.topics.matching import TopicEntry
from manchette.topics.models import TopicLinkOptOut
from manchette.topics.selectors import article_body_html
from manchette.topics.services import topic_links_apply

ARMENIE = LinkTarget(TopicEntry(1, "Arménie", ("Erevan",)), "/sujets/armenie/")
OSCE = LinkTarget(
    TopicEntry(
        2, "OSCE", ("Organisation pour la sécurité et la coopération en Europe",)
    ),
    "/sujets/osce/",
)
SECURITE = LinkTarget(TopicEntry(3, "sécurité"), "/sujets/securite/")
EUROPE = LinkTarget(TopicEntry(4, "Europe"), "/sujets/europe/")
ARMENIENS = LinkTarget(
    TopicEntry(5, "peuple arménien", ("Arméniens",)), "/sujets/armeniens/"
)


def link(words: str, target: LinkTarget) -> str:
    return f'<a class="topic-link" href="{target.url}">{words}</a>'


def test_only_the_first_mention_is_linked_and_the_elided_article_stays_outside():
    html = "<p>Il doit défendre l’Arménie.</p><p>L’Arménie répond.</p>"
    assert links_apply(html=html, targets=[ARMENIE]) == (
        f"<p>Il doit défendre l’{link('Arménie', ARMENIE)}.</p><p>L’Arménie répond.</p>"
    )


def test_an_alias_links_to_its_topic():
    html = "<p>Les Arméniens et Erevan.</p>"
    assert links_apply(html=html, targets=[ARMENIE, ARMENIENS]) == (
        f"<p>Les {link('Arméniens', ARMENIENS)} et {link('Erevan', ARMENIE)}.</p>"
    )


@pytest.mark.parametrize(
    "html",
    [
        '<p><a href="/ailleurs/">L’Arménie</a></p>',
        "<h2>L’Arménie</h2>",
        "<h3>En <b>Arménie</b></h3>",
        '<figure class="quote"><blockquote><p>Texte</p></blockquote><figcaption><cite>Arménie</cite></figcaption></figure>',
        '<figure><img src="/x.jpg" alt="Arménie"><figcaption>Vue d’Arménie</figcaption></figure>',
        '<p class="kicker">Arménie</p>',
        '<p>En <span data-no-topic-link="">Arménie</span></p>',
        "<!-- Arménie --><p>rien</p>",
    ],
)
def test_no_link_inside_links_headings_attributions_captions_or_the_kicker(html):
    assert links_apply(html=html, targets=[ARMENIE]) == html


def test_after_a_skipped_element_text_is_linked_again():
    html = "<h2>Arménie</h2><figure><figcaption>Arménie</figcaption></figure><p>Arménie</p>"
    assert links_apply(html=html, targets=[ARMENIE]).endswith(
        f"<p>{link('Arménie', ARMENIE)}</p>"
    )


def test_a_quote_s_text_is_linked_but_not_its_attribution():
    html = '<figure class="quote"><blockquote><p>« Erevan »</p></blockquote><figcaption><cite>Arménie</cite></figcaption></figure>'
    assert link("Erevan", ARMENIE) in links_apply(html=html, targets=[ARMENIE])


def test_entities_in_the_html_do_not_hide_a_mention():
    html = "<p>Visite d&#x27;Arménie &amp; d&#x27;Erevan</p>"
    assert links_apply(html=html, targets=[ARMENIE]) == (
        f"<p>Visite d&#x27;{link('Arménie', ARMENIE)} &amp; d&#x27;Erevan</p>"
    )


def test_a_long_name_gives_way_to_topics_named_only_inside_it():
    html = (
        "<p>par l’Organisation pour la sécurité et la coopération en Europe (OSCE).</p>"
    )
    linked = links_apply(html=html, targets=[OSCE, SECURITE, EUROPE])
    assert link("sécurité", SECURITE) in linked
    assert link("Europe", EUROPE) in linked
    assert f"({link('OSCE', OSCE)})" in linked


def test_otherwise_the_longest_name_wins():
    html = "<p>par l’Organisation pour la sécurité et la coopération en Europe.</p>"
    linked = links_apply(html=html, targets=[OSCE, EUROPE])
    assert (
        link("Organisation pour la sécurité et la coopération en Europe", OSCE)
        in linked
    )
    assert link("Europe", EUROPE) not in linked


def test_words_the_editor_listed_are_not_linked():
    html = "<p>L’Arménie et Erevan.</p>"
    assert links_apply(html=html, targets=[ARMENIE], skip_words=["arménie"]) == (
        f"<p>L’Arménie et {link('Erevan', ARMENIE)}.</p>"
    )


def test_hostile_topic_names_and_urls_stay_inert():
    target = LinkTarget(TopicEntry(9, "<script>"), '/x/"onmouseover="alert(1)')
    html = "<p>&lt;script&gt; ici</p>"
    assert 'href="/x/&quot;onmouseover=&quot;alert(1)"' in links_apply(
        html=html, targets=[target]
    )


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_article_body_honours_the_switch_and_the_opt_outs_without_a_query_per_topic(
    site_tree,
):
    topics = [make_topic(name) for name in ("Arménie", "Russie", "Turquie", "France")]
    article = make_article(
        site_tree.sections["international"],
        paragraphs=["La Russie, la Turquie et la France parlent de l’Arménie."],
        topics=topics,
    )
    with CaptureQueriesContext(connection) as queries:
        html = article_body_html(article=article, topics=topics)
    assert html.count('class="topic-link"') == 4
    assert len(queries) <= 2  # the opt-outs, then nothing per topic
    TopicLinkOptOut.objects.create(article=article, words="Russie\nturquie")
    html = article_body_html(article=article, topics=topics)
    assert html.count('class="topic-link"') == 2 and ">Russie</a>" not in html
    article.topic_links_enabled = False
    assert 'class="topic-link"' not in article_body_html(article=article, topics=topics)


@pytestmark_db
def test_the_article_page_links_its_topics(client, site_tree):
    topic = make_topic("Haut-Karabakh", kind="place")
    article = make_article(
        site_tree.sections["international"],
        paragraphs=["Les combats au Haut-Karabakh reprennent."],
        topics=[topic],
    )
    html = client.get(article.url).content.decode()
    assert (
        f'<a class="topic-link" href="{topic.get_absolute_url()}">Haut-Karabakh</a>'
        in html
    )


def test_topic_links_apply_takes_topic_objects():
    from manchette.topics.models import Topic

    topic = Topic(pk=7, name="Arménie", slug="armenie")
    assert topic_links_apply(html="<p>Arménie</p>", topics=[topic]) == (
        '<p><a class="topic-link" href="/sujets/armenie/">Arménie</a></p>'
    )
