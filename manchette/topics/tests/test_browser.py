"""In a real browser: the seed article of the demo shows its topic links, and following
one opens the topic page, which lists the article. No request leaves the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from manchette.newsroom.demo.articles import SEED_TOPIC_NAMES
from manchette.newsroom.models import ArticlePage
from manchette.topics.models import Topic

pytestmark = [
    pytest.mark.browser,
    # The live server sees committed data; the migrated rows come back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]

SEED_SLUG = "azerbaidjan-armenie-pourparlers-paix-moscou"


def test_seed_article_topic_links_open_topic_pages_listing_it(
    browser, live_server, third_party_requests
):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    seed = ArticlePage.objects.get(slug=SEED_SLUG)
    local = urlsplit(live_server.url).netloc
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.on(
            "request",
            lambda request: (
                urlsplit(request.url).netloc not in ("", local)
                and third_party_requests.append(request.url)
            ),
        )
        response = page.goto(live_server.url + urlsplit(seed.get_full_url()).path)
        assert response is not None and response.status == 200

        links = dict(
            page.locator(".article__body a.topic-link").evaluate_all(
                "links => links.map(a => [a.textContent, a.getAttribute('href')])"
            )
        )
        assert {name: links.get(name) for name in SEED_TOPIC_NAMES} == {
            name: Topic.objects.get(name=name).get_absolute_url()
            for name in SEED_TOPIC_NAMES
        }

        page.locator(".article__body a.topic-link", has_text="Turquie").click()
        page.wait_for_load_state()
        assert (
            urlsplit(page.url).path
            == Topic.objects.get(name="Turquie").get_absolute_url()
        )
        assert page.get_by_role("heading", level=1).inner_text() == "Turquie"
        assert page.get_by_role("link", name=seed.title, exact=True).count() >= 1
    finally:
        context.close()
    assert third_party_requests == []
