"""A reader's whole path in a real browser (Debian's Chromium through Playwright):
sign up from the article page, open the confirmation link from the captured email,
change preferences, then leave a letter in one click from an edition's link; no
request to any other host on the way."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from manchette.newsletter import services
from manchette.newsletter.models import Subscriber
from manchette.newsletter.tests.factories import default_list, make_edition
from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests import test_browser as newsroom_browser
from manchette.newsroom.tests.test_browser import (
    SEED_TITLE,
    reader_tab,
    seen_by_the_server,
)

# The newsroom's module-scoped demo server, offered here under its own name.
newsroom_demo_server = newsroom_browser.demo_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.xdist_group("browser"),
]


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_reader_signs_up_confirms_changes_preferences_and_unsubscribes(
    browser, newsroom_demo_server, django_capture_on_commit_callbacks
):
    seed = ArticlePage.objects.get(title=SEED_TITLE)
    with reader_tab(browser, newsroom_demo_server) as tab:
        page = tab.page
        tab.open(seed.url)
        block = page.locator("#lettre")
        # On SQLite the server shares the test's connection and transaction: what it
        # defers to after the commit (the confirmation email) runs when this block
        # ends. On PostgreSQL the server commits on its own connection and runs it.
        with django_capture_on_commit_callbacks(execute=True):
            block.get_by_label("Votre adresse électronique").fill(
                "Lea.Lectrice@Exemple.fr"
            )
            block.get_by_label(re.compile("Alertes")).check()
            block.get_by_role("button", name="S’inscrire").click()
            page.wait_for_selector("#lettre [data-nl-status]:not(:empty)")
        assert (
            "courriel de confirmation" in block.locator("[data-nl-status]").inner_text()
        )
        assert not Subscriber.objects.exists()

        [confirmation] = mail.outbox
        assert confirmation.to == ["lea.lectrice@exemple.fr"]
        link = re.search(
            r"https?://\S+/lettre/confirmer/\S+/", confirmation.body
        ).group(0)
        tab.open(_path(link))
        page.get_by_role("button", name="Je confirme mon inscription").click()
        page.wait_for_selector("text=Votre inscription est confirmée")
        subscriber = Subscriber.objects.get(email="lea.lectrice@exemple.fr")
        assert {nl.kind for nl in subscriber.lists.all()} == {"digest", "alerts"}

        page.get_by_label(re.compile("^Alertes")).uncheck()
        page.get_by_role("button", name="Enregistrer mes choix").click()
        page.wait_for_selector("text=Vos choix sont enregistrés")
        assert [nl.kind for nl in subscriber.lists.all()] == ["digest"]

        mail.outbox.clear()
        # The server must know the edition: its unsubscribe link names it.
        seen_by_the_server(
            lambda: services.edition_send_start(
                edition=make_edition(default_list(), subject="L’essentiel du jour")
            )
        )
        [letter] = mail.outbox
        assert (
            letter.extra_headers["List-Unsubscribe-Post"]
            == "List-Unsubscribe=One-Click"
        )
        unsubscribe = letter.extra_headers["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith(settings.SITE_URL + "/lettre/desinscription/")
        assert unsubscribe in letter.body  # the plain-text part carries it too
        html = letter.alternatives[0][0]
        one_click = re.search(
            r'href="([^"]+)"[^>]*>Me désinscrire en un clic', html
        ).group(1)
        assert one_click == unsubscribe
        tab.open(_path(one_click))
        page.get_by_role("button", name="Me désinscrire").click()
        page.wait_for_selector("text=Vous êtes désinscrit de cette lettre")
        assert not subscriber.lists.exists()
