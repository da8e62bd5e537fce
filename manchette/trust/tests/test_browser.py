"""Trust and audience in a real browser (Debian's Chromium through Playwright), on the
demo site with the trust demo loaded: a reader signals an error and an editor turns
it into a correction; a droit de réponse goes to publication with its dates; the
mentions légales show every setting; an embargoed article stays out of every public
place until its time; the cookies a reader's visit sets are all in the privacy
policy; external embeds load nothing before consent. Screenshots go to
docs/screenshots/trust-*.png."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from manchette.newsroom.models import ArticlePage, SectionPage
from manchette.newsroom.tests import test_browser as newsroom_browser
from manchette.newsroom.tests.test_browser import (
    DESKTOP,
    PHONE,
    SEED_TITLE,
    reader_tab,
    seen_by_the_server,
)
from manchette.trust.models import LegalIdentity

newsroom_demo_server = newsroom_browser.demo_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.xdist_group("browser"),
]

SCREENSHOTS = (
    Path(settings.BASE_DIR) / "test-artifacts"
)  # copied by hand to docs/screenshots/
EDITOR = ("verificatrice", "motdepasse-verif")
LEGAL_VALUES = {
    "publisher_name": "Presse Indépendante SCOP",
    "legal_form": "SCOP SA au capital variable",
    "address": "8 rue de la Presse, 69002 Lyon",
    "telephone": "04 11 22 33 44",
    "email": "scop@presse.example",
    "registration": "RCS Lyon 987 654 321",
    "press_registration": "CPPAP 0126 Y 99999",
    "publication_director": "Nadia Kessler",
    "publication_co_director": "Paul Girard",
    "editor_in_chief": "Inès Moreau",
    "host_name": "Hébergement Lyonnais",
    "host_address": "10 quai des Données, 69007 Lyon",
    "host_telephone": "04 99 88 77 66",
    "reply_contact": "reponse@presse.example",
}


@pytest.fixture(scope="module")
def server(newsroom_demo_server, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_trust_demo", stdout=io.StringIO())
        get_user_model().objects.create_superuser(
            username=EDITOR[0], password=EDITOR[1]
        )
    return newsroom_demo_server


def _editor_page(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{server.url}/admin/login/")
    page.fill("input[name=username]", EDITOR[0])
    page.fill("input[name=password]", EDITOR[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    return context, page


def _article_without_correction() -> ArticlePage:
    return (
        ArticlePage.objects.live()
        .filter(corrections__isnull=True, reply_requests__isnull=True)
        .exclude(title=SEED_TITLE)
        .order_by("-first_published_at")
        .first()
    )


def _json_ld(page) -> dict:
    return json.loads(
        page.locator('script[type="application/ld+json"]').first.text_content()
    )


def test_a_reader_signals_an_error_and_an_editor_turns_it_into_a_correction(
    browser, server
):
    article = _article_without_correction()
    with reader_tab(browser, server) as reader:
        reader.open(article.url)
        page = reader.page
        page.get_by_text("Signaler une erreur", exact=True).click()
        page.get_by_label("Le passage concerné").fill("le premier paragraphe")
        page.get_by_label("Ce qui est inexact, et ce qui serait juste").fill(
            "Le chiffre donné est faux : 12 et non 21."
        )
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.wait_for_selector("text=votre signalement est transmis à la rédaction")

    context, admin = _editor_page(browser, server)
    admin.goto(f"{server.url}/admin/trust_reports/")
    row = admin.locator("tr", has_text="le premier paragraphe")
    row.get_by_role("link", name="Transformer en correction").click()
    admin.fill("textarea[name=text]", "Le chiffre exact est 12, et non 21.")
    admin.get_by_role("button", name="Publier la correction").click()
    admin.wait_for_selector("text=Correction publiée")
    context.close()

    with reader_tab(browser, server) as reader:
        reader.open(article.url)
        box = reader.page.locator(".trust-corrections")
        assert box.is_visible()
        assert "Correction, le" in box.inner_text()
        assert "Le chiffre exact est 12, et non 21." in box.inner_text()
        data = _json_ld(reader.page)
        assert data["correction"][0]["@type"] == "CorrectionComment"
        assert "12, et non 21" in data["correction"][0]["text"]
        assert data["dateModified"] == data["correction"][0]["datePublished"]


def test_a_droit_de_reponse_goes_through_to_publication_with_its_dates(browser, server):
    article = _article_without_correction()
    with reader_tab(browser, server) as reader:
        reader.open(article.url)
        page = reader.page
        page.get_by_role(
            "link", name=re.compile("Exercer votre droit de réponse")
        ).click()
        page.get_by_label("Nom et prénom, ou dénomination").fill("Claire Fontaine")
        page.get_by_label(re.compile("À quel titre")).fill("Citée comme témoin")
        page.get_by_label("Courriel").fill("claire@example.org")
        page.get_by_label(re.compile("Adresse postale")).fill("4 rue Haute, Nantes")
        page.get_by_label("Les passages que vous contestez").fill("le témoin a dit")
        page.get_by_label("Le texte de votre réponse").fill(
            "Je n’ai jamais tenu ces propos."
        )
        page.get_by_role("button", name="Envoyer ma réponse").click()
        page.wait_for_selector("text=Votre demande de droit de réponse est reçue")
        assert "au plus tard le" in page.inner_text("main")

    context, admin = _editor_page(browser, server)
    admin.goto(f"{server.url}/admin/trust_replies/")
    row = admin.locator("tr", has_text="Claire Fontaine")
    assert "avant le" in row.inner_text()  # the legal clock
    row.get_by_role("link", name="Lire et décider").click()
    admin.get_by_role("button", name="Accepter et publier sous l’article").click()
    admin.wait_for_selector("text=Réponse publiée sous l’article")
    history = admin.locator(".trust-events").inner_text()
    assert "demande reçue" in history and "acceptée et publiée" in history
    context.close()

    with reader_tab(browser, server) as reader:
        reader.open(article.url)
        reply = reader.page.locator(".trust-reply", has_text="Claire Fontaine")
        text = reply.inner_text()
        assert "Droit de réponse de Claire Fontaine" in text
        assert "Demande reçue le" in text and "publiée le" in text
        assert reply.locator("time").count() == 2


def test_the_mentions_legales_show_every_field_an_editor_fills_in(browser, server):
    context, admin = _editor_page(browser, server)
    admin.goto(f"{server.url}/admin/settings/trust/legalidentity/")
    for name, value in LEGAL_VALUES.items():
        admin.fill(f"[name={name}]", value)
    admin.get_by_role("button", name=re.compile("Enregistrer")).first.click()
    admin.wait_for_load_state()
    context.close()
    assert LegalIdentity.load().host_telephone == LEGAL_VALUES["host_telephone"]

    with reader_tab(browser, server) as reader:
        reader.open("/")
        reader.page.get_by_role("link", name="Mentions légales").click()
        reader.page.wait_for_load_state()
        for name, value in LEGAL_VALUES.items():
            shown = reader.page.locator(f'[data-field="{name}"]').inner_text()
            assert " ".join(shown.split()) == value, name


def _public_texts(reader, section: SectionPage) -> dict[str, str]:
    texts = {}
    for name, path in {
        "home": "/",
        "section": section.url,
        "feed": "/flux/rss/",
        "sitemap": "/sitemap.xml",
        "news sitemap": "/sitemap-news.xml",
        "search": "/recherche/?q=embargo+satellites",
    }.items():
        response = reader.page.goto(reader.base_url + path)
        assert response.status == 200, path
        texts[name] = response.text()
    return texts


def test_an_embargoed_article_is_invisible_everywhere_until_its_time(browser, server):
    from manchette.trust import services

    title = "Le rapport sur les satellites sous embargo"
    at = timezone.now() + timedelta(hours=3)

    def embargoed() -> tuple[SectionPage, str]:
        section = SectionPage.objects.get(slug="economie")
        article = ArticlePage(
            title=title,
            slug="embargo-rapport-satellites",
            live=False,
            body=[("paragraph", "<p>Le rapport sur les satellites sort demain.</p>")],
        )
        section.add_child(instance=article)
        article.go_live_at = at
        article.save_revision().publish()
        link = services.partner_link_create(
            article=article, partner="Agence partenaire", expires_at=at, user=None
        )
        return section, services.partner_link_url(link=link)

    section, partner_url = seen_by_the_server(embargoed)
    path = "/" + partner_url.split("/", 3)[3]

    with reader_tab(browser, server) as reader:
        for place, text in _public_texts(reader, section).items():
            assert "embargo-rapport-satellites" not in text, place
        assert (
            reader.page.goto(
                server.url + "/economie/embargo-rapport-satellites/"
            ).status
            == 404
        )
        reader.open(path)
        assert reader.page.get_by_role("heading", level=1).inner_text() == title
        assert (
            "Lecture sous embargo réservée à Agence partenaire"
            in reader.page.inner_text("main")
        )

    with (
        time_machine.travel(at + timedelta(minutes=1), tick=True),
        reader_tab(browser, server) as reader,
    ):
        # No scheduler runs here: the first page request publishes what is due.
        texts = _public_texts(reader, section)
        for place, text in texts.items():
            assert "embargo-rapport-satellites" in text, place
        reader.open("/economie/embargo-rapport-satellites/")
        # The partner link now leads to the public article.
        reader.page.goto(server.url + path)
        assert reader.page.url.endswith("/economie/embargo-rapport-satellites/")


def test_a_readers_visit_sets_no_cookie_missing_from_the_privacy_policy(
    browser, server
):
    article = _article_without_correction()
    with reader_tab(browser, server) as reader:
        page = reader.page
        reader.open("/")
        reader.open(article.url)
        page.locator("#reactions button").first.click()
        page.wait_for_selector(".reaction--mine")
        page.get_by_text("Signaler une erreur", exact=True).click()
        page.get_by_label("Le passage concerné").fill("un passage")
        page.get_by_label("Ce qui est inexact, et ce qui serait juste").fill("un souci")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.wait_for_selector("text=votre signalement est transmis")
        page.fill("#nl-block-email", "lecteur-cookies@example.org")
        page.locator(".nl-form button[type=submit]").click()
        page.wait_for_timeout(500)
        names = {c["name"] for c in page.context.cookies()}
        reader.open("/politique-de-confidentialite/")
        listed = set(page.locator(".trust-cookie-name").all_inner_texts())
    assert names, "the reaction sets its cookie: the visit did something"
    assert names <= listed, names - listed


def test_an_embed_loads_nothing_before_consent_and_refusing_is_one_click(
    browser, server
):
    video = "https://www.youtube.com/watch?v=consentement"

    def concert() -> None:
        Embed.objects.get_or_create(
            hash=get_embed_hash(video),
            defaults={
                "url": video,
                "type": "video",
                "html": '<iframe title="Vidéo" src="https://www.youtube-nocookie.com/embed/x"></iframe>',
                "provider_name": "YouTube",
            },
        )
        section = SectionPage.objects.get(slug="culture")
        article = ArticlePage(
            title="Un concert filmé",
            slug="concert-filme",
            body=[("paragraph", "<p>La vidéo du concert.</p>"), ("embed", video)],
        )
        section.add_child(instance=article)
        article.save_revision().publish()

    seen_by_the_server(concert)
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(server.url) else outside.append(r.url),
    )
    page.route("https://www.youtube-nocookie.com/**", lambda route: route.abort())
    page.goto(server.url + "/culture/concert-filme/")
    accept = page.get_by_role("button", name="Accepter")
    refuse = page.get_by_role("button", name="Refuser")
    assert accept.is_visible() and refuse.is_visible()
    assert page.locator("iframe").count() == 0 and outside == []
    refuse.click()
    cookie = {c["name"]: c for c in context.cookies()}["manchette_consentement"]
    assert cookie["value"] == "refuse"
    assert 180 * 86400 < cookie["expires"] - timezone.now().timestamp() < 190 * 86400
    page.reload()
    assert page.locator("iframe").count() == 0 and outside == []
    page.get_by_role("button", name="Accepter").click()
    assert page.locator("iframe").count() == 1  # loaded only now
    page.reload()
    assert page.locator("iframe").count() == 1  # remembered
    context.close()


def test_screenshots_of_the_correction_box_and_the_audience_dashboard(browser, server):
    seed = ArticlePage.objects.get(title=SEED_TITLE)
    for name, viewport in {"desktop": DESKTOP, "phone": PHONE}.items():
        with reader_tab(browser, server, viewport=viewport) as reader:
            reader.open(seed.url)
            box = reader.page.locator(".trust-corrections")
            assert "Précision, le" in box.inner_text()
            box.scroll_into_view_if_needed()
            reader.page.screenshot(
                path=str(SCREENSHOTS / f"trust-correction-{name}.png")
            )

    context, admin = _editor_page(browser, server)
    admin.set_viewport_size({"width": 1400, "height": 1100})
    admin.goto(f"{server.url}/admin/audience/")
    assert admin.locator("svg.audience-chart").count() == 2
    assert admin.locator("svg.audience-chart rect").count() == 30
    admin.screenshot(path=str(SCREENSHOTS / "trust-dashboard.png"), full_page=True)
    context.close()
