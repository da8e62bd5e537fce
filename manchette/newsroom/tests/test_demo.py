"""The demo loader fills an empty site once and never touches a real one."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from manchette.newsroom.models import ArticlePage, SectionPage
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_seed_article_and_a_living_front_page_once(client):
    call_command("load_demo")
    count = ArticlePage.objects.live().count()
    assert count >= 30
    assert {s.title for s in SectionPage.objects.all()} >= {
        "International",
        "France",
        "Politique",
        "Économie",
        "Culture",
        "Sport",
    }
    seed = ArticlePage.objects.get(slug="azerbaidjan-armenie-pourparlers-paix-moscou")
    assert seed.kicker == "FLASH INFO"
    assert seed.get_parent().title == "International"
    assert seed.topics.count() >= 10
    assert ArticlePage.objects.exclude(hero_image=None).exists()
    home = client.get("/").content.decode()
    assert seed.title in home
    call_command("load_demo")
    assert ArticlePage.objects.live().count() == count


def test_the_demo_refuses_a_site_with_real_content(site_tree):
    make_article(site_tree.sections["france"], title="Un vrai article")
    with pytest.raises(CommandError, match="site vide"):
        call_command("load_demo")
    assert ArticlePage.objects.count() == 1
