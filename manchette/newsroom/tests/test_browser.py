"""The demo site in a real browser (Debian's Chromium through Playwright): a reader's
path from la Une to the seed article and its topics, search, keyboard use, screenshots
at desktop and phone widths, axe-core's WCAG A/AA rules, and no request to any other host.

The demo is loaded once for the module. pytest-django's `live_server` fixture makes
every test that names it transactional, and a transactional test empties the
database when it ends, which would throw the demo away after the first test. So the
module starts pytest-django's `LiveServer` itself, loads the demo with committed
writes (the server's own connection sees them on PostgreSQL; on SQLite's in-memory
test database the server shares the test's connection), and at the end puts the
database back as the migrations left it, for the tests that run after."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import TestCase
from pytest_django.live_server_helper import LiveServer
from wagtail.models import Page

from manchette.newsroom.management.commands.load_demo import SEED_FILE
from manchette.newsroom.models import ArticlePage
from manchette.topics.models import Topic

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    # One worker runs every browser test, so that one Chromium serves them all.
    pytest.mark.xdist_group("browser"),
]

SEED = json.loads(SEED_FILE.read_text())
SEED_TITLE = SEED["title"]
# The words the original page linked to topic pages (the scraper dropped the links).
SEED_TOPIC_WORDS = SEED["topics_linked_on_original"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SECTION_NAV = [
    "La Une",
    "International",
    "France",
    "Politique",
    "Économie",
    "Culture",
    "Sport",
]


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        assert Page.get_first_root_node() is not None, (
            "a transactional test without serialized rollback emptied the database "
            "before this module; pytest-django runs `db` tests like these first"
        )
        migrated_state = connection.creation.serialize_db_to_string()
        call_command("load_demo", stdout=io.StringIO())
        server = LiveServer("localhost")
        try:
            yield server
        finally:
            server.stop()
            call_command(
                "flush",
                interactive=False,
                verbosity=0,
                inhibit_post_migrate=True,
                # As Django's serialized rollback: the restored rows keep their ids,
                # so the sequences must stay past them.
                reset_sequences=False,
            )
            connection.creation.deserialize_db_from_string(migrated_state)


class Reader:
    """A browser tab on the demo site that remembers every request to another host."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.other_hosts: list[str] = []
        local = urlsplit(base_url).netloc
        page.on("request", lambda request: self._note(request.url, local))
        page.on("websocket", lambda socket: self._note(socket.url, local))

    def _note(self, url: str, local: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != local:
            self.other_hosts.append(url)

    def open(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, (
            path,
            response and response.status,
        )


@contextmanager
def reader_tab(
    browser, server: LiveServer, *, viewport=DESKTOP, bypass_csp: bool = False
) -> Iterator[Reader]:
    phone = viewport["width"] < 600
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        locale="fr-FR",
        # axe-core goes in as an inline script, which the site's CSP rightly refuses.
        bypass_csp=bypass_csp,
    )
    try:
        reader = Reader(context.new_page(), server.url)
        yield reader
        assert reader.other_hosts == [], "requests to other hosts"
    finally:
        context.close()


T = TypeVar("T")


def seen_by_the_server(function: Callable[[], T]) -> T:
    """Run `function` so that the live server sees what it writes, with what it
    defers to after the commit (the emails).

    On SQLite's in-memory test database the server shares the test's connection:
    `function` runs here, in the test's transaction, and its after-commit work when
    it returns. On PostgreSQL the server's thread has a connection of its own and
    sees only committed rows, and the test's transaction is never committed (nor
    left by `django_db_blocker.unblock()`): `function` runs in a thread of its own,
    whose connection commits. The demo server's fixture empties the database at the
    module's end, as it does for the rows the server itself commits."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with TestCase.captureOnCommitCallbacks(execute=True):
            return function()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # raised again below
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="committed-beside-the-test")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


@pytest.fixture
def reader(browser, demo_server) -> Iterator[Reader]:
    with reader_tab(browser, demo_server) as tab:
        yield tab


def test_front_page_leads_to_the_seed_article_whose_topic_words_link_to_topic_pages(
    reader,
):
    reader.open("/")
    reader.page.get_by_role("link", name=SEED_TITLE, exact=True).first.click()
    reader.page.wait_for_load_state()
    assert reader.page.get_by_role("heading", level=1).inner_text() == SEED_TITLE

    links = reader.page.locator(".article__body a.topic-link").evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href')])"
    )
    linked = dict(links)
    expected = {
        word: Topic.objects.get(name=word).get_absolute_url()
        for word in SEED_TOPIC_WORDS
    }
    # Every word the original page linked, each to its own topic page; words that the
    # matcher misses show up here by name.
    assert {word: linked.get(word) for word in SEED_TOPIC_WORDS} == expected

    reader.page.locator(".article__body a.topic-link", has_text="Bakou").click()
    reader.page.wait_for_load_state()
    assert reader.page.get_by_role("heading", level=1).inner_text() == "Bakou"
    assert reader.page.get_by_role("link", name=SEED_TITLE, exact=True).count() >= 1
    assert reader.other_hosts == []


@pytest.mark.parametrize("words", ["Arménie", "Armenie", "pourparler"])
def test_the_search_box_finds_the_seed_article(reader, words):
    reader.open("/")
    reader.page.get_by_role("searchbox", name="Rechercher sur le site").fill(words)
    reader.page.get_by_role("search").get_by_role("button", name="Rechercher").click()
    reader.page.wait_for_load_state()
    assert urlsplit(reader.page.url).path == "/recherche/"
    result = reader.page.locator(
        ".search-result",
        has=reader.page.get_by_role("link", name=SEED_TITLE, exact=True),
    )
    assert result.count() == 1
    highlighted = [text.lower() for text in result.locator("mark").all_inner_texts()]
    stem = {"Arménie": "armén", "Armenie": "armén", "pourparler": "pourparler"}[words]
    assert highlighted and all(text.startswith(stem) for text in highlighted), (
        highlighted
    )


def _focused(page) -> dict[str, str]:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName.toLowerCase(),
            id: el.id,
            text: (el.textContent || el.getAttribute('aria-label') || '').trim(),
            region: el.closest('nav.sections-nav') ? 'sections'
              : el.closest('header.masthead') ? 'masthead'
              : el.classList.contains('skip-link') ? 'skip' : 'other',
            outline: style.outlineStyle + ' ' + style.outlineWidth,
          };
        }"""
    )


def test_keyboard_reaches_skip_link_then_masthead_then_sections_with_visible_focus(
    reader,
):
    reader.open("/")
    stops: list[dict[str, str]] = []
    while len(stops) < 40 and not (stops and stops[-1]["text"] == SECTION_NAV[-1]):
        reader.page.keyboard.press("Tab")
        stops.append(_focused(reader.page))
    assert stops[0]["region"] == "skip" and stops[0]["text"] == "Aller au contenu"
    regions = [stop["region"] for stop in stops]
    # Nothing of the page's content comes before the header (a flash banner may).
    first_masthead = regions.index("masthead")
    assert set(regions[1:first_masthead]) <= {"other"}
    masthead = [stop for stop in stops if stop["region"] == "masthead"]
    assert [(s["tag"], s["id"] or s["text"]) for s in masthead] == [
        ("a", "Manchette"),
        ("input", "masthead-q"),
        ("button", "Rechercher"),
    ]
    sections = [stop["text"] for stop in stops if stop["region"] == "sections"]
    assert sections == SECTION_NAV
    assert regions.index("sections") > max(
        i for i, r in enumerate(regions) if r == "masthead"
    )
    for stop in stops:
        style, width = stop["outline"].split()
        assert style != "none" and float(width.removesuffix("px")) >= 2, stop


def test_skip_link_moves_focus_to_the_main_content(reader):
    reader.open("/")
    reader.page.keyboard.press("Tab")
    reader.page.keyboard.press("Enter")
    assert reader.page.evaluate("document.activeElement.id") == "contenu"
    reader.page.keyboard.press("Tab")
    assert reader.page.evaluate("document.activeElement.closest('main') !== null")


def _page_paths() -> dict[str, str]:
    seed = ArticlePage.objects.get(title=SEED_TITLE)
    return {
        "home": "/",
        "section": seed.get_parent().url,
        "article": seed.url,
        "topic": Topic.objects.get(name="Arménie").get_absolute_url(),
        "search": "/recherche/?q=Arm%C3%A9nie",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", ["home", "section", "article", "topic", "search"])
def test_page_has_no_wcag_violation_and_is_saved_as_a_screenshot(
    browser, demo_server, page_name, width
):
    with reader_tab(
        browser, demo_server, viewport=WIDTHS[width], bypass_csp=True
    ) as tab:
        tab.open(_page_paths()[page_name])
        ARTIFACTS.mkdir(exist_ok=True)
        tab.page.screenshot(path=ARTIFACTS / f"foundation-{page_name}-{width}.png")
        # Pictures further down load lazily; the whole-page picture needs them now.
        tab.page.evaluate(
            """() => Promise.all([...document.images].map(img => {
              img.loading = 'eager';
              return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
            }))"""
        )
        tab.page.screenshot(
            path=ARTIFACTS / f"foundation-{page_name}-{width}-full.png", full_page=True
        )
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert tab.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        tab.page.add_script_tag(path=AXE_JS)
        results = tab.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        violations = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "where": [node["target"] for node in v["nodes"]][:5],
            }
            for v in results["violations"]
        ]
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
        assert tab.other_hosts == []
