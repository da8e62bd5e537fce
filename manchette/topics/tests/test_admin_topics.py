"""Topics in the admin: article counts in the listing, merging two topics."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article, make_topic
from manchette.topics.models import Topic, TopicSuggestion
from manchette.topics.services import topic_merge

pytestmark = pytest.mark.django_db


def test_the_topics_listing_shows_how_many_articles_each_has(client, editor, site_tree):
    armenie = make_topic("Arménie")
    make_topic("Sans article")
    for _ in range(3):
        make_article(site_tree.sections["international"], topics=[armenie])
    client.force_login(editor)
    html = client.get(reverse("wagtailsnippets_topics_topic:list")).content.decode()
    rows = {
        row.find("a").get_text(strip=True): [
            td.get_text(strip=True) for td in row.find_all("td")
        ]
        for row in BeautifulSoup(html, "html.parser").select("tbody tr")
    }
    assert "3" in rows["Arménie"] and "0" in rows["Sans article"]
    assert reverse("topics_merge", args=[armenie.pk]) in html


def test_merging_moves_articles_and_names_and_the_old_address_redirects(
    client, editor, site_tree
):
    section = site_tree.sections["international"]
    target = make_topic("Arménie", kind="place", aliases="Erevan")
    source = make_topic(
        "Armenie (doublon)", kind="place", aliases="République d’Arménie\nErevan"
    )
    only_source = make_article(section, topics=[source])
    both = make_article(section, topics=[source, target])
    TopicSuggestion.objects.create(
        article=only_source,
        topic=source,
        key=f"topic:{source.pk}",
        name=source.name,
        kind="place",
    )
    old_url = source.get_absolute_url()
    client.force_login(editor)

    response = client.post(
        reverse("topics_merge", args=[source.pk]), {"target": target.pk}
    )
    assert response.status_code == 302

    assert not Topic.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    assert target.alias_list == ["Erevan", "Armenie (doublon)", "République d’Arménie"]
    for article in (only_source, both):
        fresh = ArticlePage.objects.get(pk=article.pk)
        assert list(fresh.topics.all()) == [target]
        # The article's next edit keeps the topic.
        assert list(fresh.get_latest_revision_as_object().topics.all()) == [target]
    assert TopicSuggestion.objects.get(article=only_source).topic == target

    client.logout()
    redirect = client.get(old_url)
    assert redirect.status_code == 301
    assert redirect["Location"].endswith(target.get_absolute_url())
    topic_page = client.get(target.get_absolute_url()).content.decode()
    assert only_source.title in topic_page and both.title in topic_page


def test_a_topic_cannot_be_merged_into_itself(db):
    topic = make_topic("France")
    with pytest.raises(ValueError, match="itself"):
        topic_merge(source=topic, target=topic)


def test_merging_twice_keeps_old_addresses_pointing_at_the_latest_topic(client, db):
    first, second, third = make_topic("Un"), make_topic("Deux"), make_topic("Trois")
    first_url = first.get_absolute_url()
    topic_merge(source=first, target=second)
    topic_merge(source=second, target=third)
    assert client.get(first_url)["Location"].endswith(third.get_absolute_url())


def test_merge_needs_the_right_to_delete_topics(client, db, django_user_model):
    topic = make_topic("France")
    user = django_user_model.objects.create_user(username="pigiste", password="x")
    client.force_login(user)
    assert client.get(reverse("topics_merge", args=[topic.pk])).status_code in (
        302,
        403,
    )
