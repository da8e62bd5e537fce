"""Reactions and share links in a real browser (Chromium through Playwright), with and
without JavaScript, on the demo's seed article; screenshots at phone and desktop widths
go to docs/screenshots/. The demo server is the newsroom's (loaded once per module)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests import test_browser as newsroom_browser
from manchette.newsroom.tests.test_browser import (
    AXE_JS,
    DESKTOP,
    PHONE,
    SEED_TITLE,
    WCAG_TAGS,
    reader_tab,
)

# The newsroom's module-scoped demo server (the seed article and the demo site).
newsroom_demo_server = newsroom_browser.demo_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.xdist_group("browser"),
]

SCREENSHOTS = (
    Path(settings.BASE_DIR) / "test-artifacts"
)  # copied by hand to docs/screenshots/


def _seed() -> ArticlePage:
    return ArticlePage.objects.get(title=SEED_TITLE)


def _item(page, label: str):
    return page.locator(
        ".reaction", has=page.get_by_role("button", name=label, exact=True)
    )


def _figures(page) -> dict[str, tuple[str, str, str]]:
    """label → (pressed, percent text, bar width) for every reaction on the page."""
    return {
        row["label"]: (row["pressed"], row["percent"], row["width"])
        for row in page.locator(".reaction").evaluate_all(
            """items => items.map(li => ({
                label: li.querySelector('.reaction__label').textContent.trim(),
                pressed: li.querySelector('button').getAttribute('aria-pressed'),
                percent: li.querySelector('.reaction__result').hidden ? 'hidden'
                    : li.querySelector('.reaction__percent').textContent,
                width: li.querySelector('.reaction__fill').style.width,
            }))"""
        )
    }


def test_with_javascript_a_reader_reacts_changes_and_sees_the_bars_inline(
    browser, newsroom_demo_server
):
    seed = _seed()
    with reader_tab(
        browser, newsroom_demo_server
    ) as other:  # someone else has reacted already
        other.open(seed.url + "#reactions")
        other.page.get_by_role("button", name="Utile", exact=True).click()
        other.page.wait_for_selector(".reaction--mine")
    with reader_tab(browser, newsroom_demo_server) as tab:
        tab.open(seed.url)
        page = tab.page
        assert page.locator("#reactions .reaction__result").first.is_hidden()
        with page.expect_response(re.compile(r"/reactions/\d+/$")):
            page.get_by_role("button", name="Intéressant", exact=True).click()
        page.wait_for_selector(".reaction--mine[data-kind=interessant]")
        figures = _figures(page)
        assert figures["Intéressant"] == ("true", "50\u00a0%", "50%")
        assert figures["Utile"] == ("false", "50\u00a0%", "50%")
        assert figures["Triste"] == ("false", "0\u00a0%", "0%")
        assert page.locator(".reactions__total").inner_text() == "2 réactions"
        assert (
            "enregistrée"
            in page.locator("#reactions").get_by_role("status").inner_text()
        )

        with page.expect_response(re.compile(r"/reactions/\d+/$")):
            page.get_by_role("button", name="Triste", exact=True).click()
        page.wait_for_selector(".reaction--mine[data-kind=triste]")
        figures = _figures(page)
        assert figures["Triste"] == ("true", "50\u00a0%", "50%")
        assert figures["Intéressant"][:2] == ("false", "0\u00a0%")
        assert urlsplit(page.url).path == seed.url  # never left the article

        page.reload()  # the cached page, then this reader's state from etat.json
        page.wait_for_selector(".reaction--mine[data-kind=triste]")
        assert (
            page.get_by_role("button", name="Triste", exact=True).get_attribute(
                "aria-pressed"
            )
            == "true"
        )
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.locator("#reactions").scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("#reactions").screenshot(
                path=SCREENSHOTS / f"reactions-{width}-bars.png"
            )

        with page.expect_response(re.compile(r"/reactions/\d+/$")):
            page.get_by_role("button", name="Retirer ma réaction").click()
        page.wait_for_selector(".reaction--mine", state="detached")
        assert page.locator(".reactions__remove").is_hidden()


def test_without_javascript_a_reader_reacts_changes_and_sees_the_bars(
    browser, newsroom_demo_server
):
    # Another article than the seed's: on PostgreSQL the server's writes of the other
    # tests are committed, and these figures must start from zero.
    article = (
        ArticlePage.objects.live().exclude(title=SEED_TITLE).order_by("pk").first()
    )
    context = browser.new_context(
        viewport=DESKTOP, java_script_enabled=False, locale="fr-FR"
    )
    try:
        page = context.new_page()
        page.goto(newsroom_demo_server.url + article.url)
        page.get_by_role("button", name="Surprenant", exact=True).click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == f"/reactions/{article.pk}/"
        figures = _figures(page)
        assert figures["Surprenant"] == ("true", "100\u00a0%", "100%")
        assert figures["Utile"] == ("false", "0\u00a0%", "0%")
        page.get_by_role("button", name="Inquiétant", exact=True).click()
        page.wait_for_load_state()
        figures = _figures(page)
        assert figures["Inquiétant"] == ("true", "100\u00a0%", "100%")
        assert figures["Surprenant"][0] == "false"
        page.get_by_role("link", name="Retour à l’article").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == article.url
        # The Mastodon link asks for the instance on a page of ours, then links there.
        page.locator(".share--top .share__link--mastodon").click()
        page.wait_for_load_state()
        page.get_by_label("Votre instance Mastodon").fill("@moi@piaille.fr")
        page.get_by_role("button", name="Continuer vers mon instance").click()
        page.wait_for_load_state()
        link = page.get_by_role("link", name="Partager sur piaille.fr")
        assert link.get_attribute("href").startswith("https://piaille.fr/share?text=")
    finally:
        context.close()


def test_share_links_and_screenshots_at_phone_and_desktop_widths(
    browser, newsroom_demo_server
):
    seed = _seed()
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        with reader_tab(browser, newsroom_demo_server, viewport=viewport) as tab:
            tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
            tab.open(seed.url)
            page = tab.page
            top = page.locator(".share--top")
            assert top.get_by_role("link", name=re.compile("Facebook")).count() == 1
            for name in (
                "X",
                "LinkedIn",
                "WhatsApp",
                "Bluesky",
                "Mastodon",
                "Courriel",
            ):
                assert top.get_by_role("link", name=re.compile(name)).count() == 1, name
            canonical = page.locator("link[rel=canonical]").get_attribute("href")
            copy = top.get_by_role("button", name="Copier le lien")
            copy.click()
            page.wait_for_function(
                "document.querySelector('[data-share-status]').textContent !== ''"
            )
            assert page.evaluate("navigator.clipboard.readText()") == canonical
            native = page.evaluate("typeof navigator.share === 'function'")
            assert top.get_by_role("button", name="Partager…").is_visible() == native
            page.screenshot(path=SCREENSHOTS / f"reactions-{width}-article.png")
            with page.expect_response(re.compile(r"/reactions/\d+/$")):
                page.get_by_role("button", name="Utile", exact=True).click()
            page.locator(".share--bottom").scroll_into_view_if_needed()
            page.screenshot(path=SCREENSHOTS / f"reactions-{width}-end.png")
            tab.open("/")  # « Les plus réactifs » now lists the seed article
            rankings = page.locator(".rankings")
            assert (
                rankings.get_by_role("link", name=re.compile("Azerbaïdjan")).count()
                >= 1
            )
            rankings.screenshot(path=SCREENSHOTS / f"reactions-{width}-rankings.png")


def test_mastodon_instance_is_typed_once_and_remembered(browser, newsroom_demo_server):
    seed = _seed()
    with reader_tab(browser, newsroom_demo_server) as tab:
        page = tab.page
        shared: list[str] = []

        def instance(route):
            shared.append(route.request.url)
            route.fulfill(status=200, body="partage", content_type="text/plain")

        page.context.route("https://piaille.fr/**", instance)
        tab.open(seed.url)
        page.locator(".share--top .share__link--mastodon").click()
        page.wait_for_load_state()
        page.get_by_label("Votre instance Mastodon").fill("https://piaille.fr/@moi")
        page.get_by_role("button", name="Continuer vers mon instance").click()
        page.wait_for_url("https://piaille.fr/**")  # with JavaScript: straight there
        tab.open(seed.url)
        with page.context.expect_page() as opened:
            page.locator(".share--bottom .share__link--mastodon").click()
        opened.value.wait_for_load_state()
        assert len(shared) == 2
        for url in shared:
            assert url.startswith("https://piaille.fr/share?text=")
        tab.other_hosts[:] = [u for u in tab.other_hosts if u not in shared]


def test_reactions_and_results_page_have_no_wcag_violation(
    browser, newsroom_demo_server
):
    seed = _seed()
    with reader_tab(browser, newsroom_demo_server, bypass_csp=True) as tab:
        for path in (seed.url, f"/reactions/{seed.pk}/"):
            tab.open(path)
            tab.page.wait_for_timeout(200)  # etat.json applied
            tab.page.add_script_tag(path=AXE_JS)
            results = tab.page.evaluate(
                "tags => axe.run(document.querySelector('main'), {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                WCAG_TAGS,
            )
            violations = [
                {
                    "rule": v["id"],
                    "help": v["help"],
                    "where": [n["target"] for n in v["nodes"]][:5],
                }
                for v in results["violations"]
            ]
            assert violations == [], json.dumps(
                violations, ensure_ascii=False, indent=1
            )
