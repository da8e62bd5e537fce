"""The seed article, loaded by the demo, shows its ten topic words as links."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from manchette.newsroom.demo.articles import SEED_TOPIC_NAMES
from manchette.newsroom.models import ArticlePage
from manchette.topics.models import Topic

pytestmark = pytest.mark.django_db

SEED_SLUG = "azerbaidjan-armenie-pourparlers-paix-moscou"


def test_the_seed_article_links_its_ten_topic_words(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    seed = ArticlePage.objects.get(slug=SEED_SLUG)
    html = client.get(seed.url).content.decode()
    assert len(SEED_TOPIC_NAMES) == 10
    for name in SEED_TOPIC_NAMES:
        topic = Topic.objects.get(name=name)
        assert (
            f'<a class="topic-link" href="{topic.get_absolute_url()}">{name}</a>'
            in html
        ), name
    # Each topic once, and no link inside the headline or the kicker.
    assert html.count('class="topic-link"') == len(set(seed.topics.all()))
    assert "FLASH INFO</p>" in html
