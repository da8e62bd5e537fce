from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article
from manchette.trust import services
from manchette.trust.models import (
    Correction,
    CorrectionKind,
    ErrorReport,
    LegalIdentity,
    ReplyRequest,
)

pytestmark = pytest.mark.django_db

LEGAL_VALUES = {
    "publisher_name": "Manchette Presse SAS",
    "legal_form": "SAS au capital de 10 000 €",
    "address": "12 rue des Imprimeurs, 75011 Paris",
    "telephone": "01 23 45 67 89",
    "email": "editeur@manchette.example",
    "registration": "RCS Paris 123 456 789",
    "press_registration": "CPPAP 0125 W 12345",
    "publication_director": "Hélène Vartanian",
    "publication_co_director": "Marc Lefèvre",
    "editor_in_chief": "Sophie Martin",
    "host_name": "Hébergeur Exemple SARL",
    "host_address": "2 rue des Serveurs, 59100 Roubaix",
    "host_telephone": "03 20 00 00 00",
    "reply_contact": "droitdereponse@manchette.example",
}


def _json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _report(client, article, **data):
    fields = {"passage": "dix heures", "problem": "C’était onze heures.", "email": ""}
    return client.post(reverse("trust:report", args=[article.pk]), {**fields, **data})


# Signaler une erreur -------------------------------------------------------------------


def test_every_article_offers_the_report_form_and_stays_cached(client, article):
    html = client.get(article.url).content.decode()
    assert 'id="signaler-une-erreur"' in html
    assert f'action="{reverse("trust:report", args=[article.pk])}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert client.get(article.url)["X-Cache"] == "HIT"


def test_a_report_without_javascript_redirects_to_thanks(client, article):
    response = _report(client, article)
    assert response.status_code == 302
    assert response["Location"] == reverse("trust:report-thanks", args=[article.pk])
    report = ErrorReport.objects.get()
    assert (report.article_id, report.passage) == (article.pk, "dix heures")
    assert not response.cookies


def test_a_report_with_javascript_gets_json(client, article):
    response = _report(client, article, HTTP_ACCEPT="application/json")
    response = client.post(
        reverse("trust:report", args=[article.pk]),
        {"passage": "midi", "problem": "C’était 14 h."},
        headers={"Accept": "application/json"},
    )
    assert response.json()["ok"] is True


def test_an_empty_report_says_why_and_keeps_the_text(client, article):
    response = _report(client, article, passage="", problem="<script>x</script>")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Copiez ou résumez le passage" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert ErrorReport.objects.count() == 0


def test_reports_are_rate_limited(client, article, settings):
    settings.TRUST_REPORTS_PER_HOUR = 2
    for i in range(2):
        assert _report(client, article, problem=f"n° {i}").status_code == 302
    response = _report(client, article, problem="encore")
    assert response.status_code == 429
    assert "réessayez dans une heure" in response.content.decode()
    assert ErrorReport.objects.count() == 2


def test_a_cross_site_report_is_refused(client, article):
    response = client.post(
        reverse("trust:report", args=[article.pk]),
        {"passage": "a", "problem": "b"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert ErrorReport.objects.count() == 0


def test_no_report_on_an_unpublished_article(client, site_tree):
    draft = make_article(site_tree.sections["france"], publish=False, live=False)
    assert _report(client, draft).status_code == 404


# Corrections ----------------------------------------------------------------------------


def test_a_correction_shows_on_the_article_and_in_its_json_ld(
    client, article, editor, django_capture_on_commit_callbacks
):
    assert client.get(article.url)["X-Cache"] == "MISS"
    before = _json_ld(client.get(article.url).content.decode())
    assert "correction" not in before
    at = timezone.now().replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_add(
            article=article,
            kind=CorrectionKind.CORRECTION,
            text="Les discussions ont duré onze heures.",
            author=editor,
            made_at=at,
        )
    response = client.get(article.url)
    html = response.content.decode()
    assert response["X-Cache"] == "MISS"  # the cached page was refreshed
    assert 'class="trust-corrections"' in html
    assert "Correction, le" in html and "Les discussions ont duré onze heures." in html
    data = _json_ld(html)
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Correction : Les discussions ont duré onze heures.",
            "datePublished": at.isoformat(),
        }
    ]
    assert data["dateModified"] == at.isoformat()
    assert data["datePublished"] == before["datePublished"]


def test_a_silent_typo_fix_moves_no_date(client, article):
    before = _json_ld(client.get(article.url).content.decode())
    article.title = "Pourparlers de paix à Moscou."
    article.save_revision().publish()
    after = _json_ld(client.get(article.url).content.decode())
    assert after["dateModified"] == before["dateModified"]
    assert "correction" not in after


def test_corrections_page_and_feed_list_newest_first(client, site_tree, editor):
    older = make_article(site_tree.sections["france"], title="Ancien")
    newer = make_article(site_tree.sections["sport"], title="Récent")
    now = timezone.now()
    services.correction_add(
        article=older,
        kind="precision",
        text="Première.",
        author=editor,
        made_at=now - timedelta(days=2),
    )
    services.correction_add(
        article=newer, kind="update", text="Seconde.", author=editor, made_at=now
    )
    draft = make_article(site_tree.sections["sport"], publish=False, live=False)
    Correction.objects.create(article=draft, kind="correction", text="Brouillon.")
    html = client.get(reverse("trust:corrections")).content.decode()
    assert html.index("Seconde.") < html.index("Première.")
    assert "Brouillon." not in html
    feed = feedparser.parse(client.get(reverse("trust:corrections-feed")).content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == [
        "Mise à jour – Récent",
        "Précision – Ancien",
    ]
    assert feed.entries[0].link.endswith(newer.url + "#corrections")


# Droit de réponse -----------------------------------------------------------------------------


def _reply_form(client, article) -> dict:
    html = client.get(reverse("trust:reply", args=[article.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    return {
        "name": "Jean Dupont",
        "capacity": "Cité comme participant",
        "email": "jean@example.org",
        "postal_address": "1 place de la Mairie, Paris",
        "contested_passage": "Les ministres se sont réunis",
        "reply_text": "Je n’étais pas à Moscou.",
        "idempotency_key": key,
    }


def test_reply_form_posted_twice_makes_one_request(client, article):
    data = _reply_form(client, article)
    first = client.post(reverse("trust:reply", args=[article.pk]), data)
    second = client.post(reverse("trust:reply", args=[article.pk]), data)
    assert first.status_code == second.status_code == 200
    assert "Votre demande de droit de réponse est reçue" in first.content.decode()
    assert ReplyRequest.objects.count() == 1
    assert first["Cache-Control"] == "private, no-store"


def test_reply_too_long_is_explained_and_kept(client, article):
    data = {**_reply_form(client, article), "reply_text": "très long " * 100}
    response = client.post(reverse("trust:reply", args=[article.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "ne peut dépasser la longueur de l’article" in html
    assert "très long très long" in html
    assert ReplyRequest.objects.count() == 0


def test_published_reply_is_attached_to_the_article_with_its_dates(
    client, article, editor, django_capture_on_commit_callbacks
):
    client.post(reverse("trust:reply", args=[article.pk]), _reply_form(client, article))
    reply = ReplyRequest.objects.get()
    assert "Droit de réponse de" not in client.get(article.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_request_publish(reply=reply, user=editor)
    html = client.get(article.url).content.decode()
    assert "Droit de réponse de Jean Dupont" in html
    assert "Je n’étais pas à Moscou." in html
    assert html.count("<time datetime=") >= 3


# Legal pages ------------------------------------------------------------------------------------


def test_mentions_legales_show_every_setting_and_refresh_when_it_changes(
    client, site_tree
):
    first = client.get("/mentions-legales/")
    assert first.status_code == 200
    assert "à compléter" in first.content.decode()
    legal = LegalIdentity.load()
    for name, value in LEGAL_VALUES.items():
        setattr(legal, name, value)
    legal.save()
    html = client.get("/mentions-legales/").content.decode()
    for name, value in LEGAL_VALUES.items():
        assert f'data-field="{name}"' in html, name
        assert value.split(",")[0] in html, name
    assert "à compléter" not in html
    assert legal.missing_fields() == []


def test_missing_mandatory_fields_are_named():
    legal = LegalIdentity(publisher_name="Manchette")
    missing = legal.missing_fields()
    assert "hébergeur : nom" in missing
    assert "raison sociale ou nom de l’éditeur" not in missing


def test_privacy_policy_lists_each_cookie_and_what_is_stored(client, site_tree):
    from manchette.trust.selectors import reader_cookies, stored_data

    html = client.get("/politique-de-confidentialite/").content.decode()
    for cookie in reader_cookies():
        assert f'<code class="trust-cookie-name">{cookie.name}</code>' in html
    for use in stored_data():
        assert str(use.purpose) in html


def test_privacy_policy_describes_fields_that_exist():
    from django.apps import apps

    from manchette.trust.selectors import stored_data

    for use in stored_data():
        for dotted in use.fields:
            app_label, model, field = dotted.split(".")
            apps.get_model(app_label, model)._meta.get_field(field)


# Embeds: nothing loads before consent ---------------------------------------------------------


def test_embeds_render_as_a_placeholder_with_both_choices(client, site_tree):
    url = "https://www.youtube.com/watch?v=exemple"
    Embed.objects.create(
        hash=get_embed_hash(url),
        url=url,
        max_width=None,
        type="video",
        html='<iframe src="https://www.youtube-nocookie.com/embed/exemple"></iframe>',
        provider_name="YouTube",
        cache_until=None,
    )
    article = make_article(site_tree.sections["culture"])
    article.body = [*[(b.block_type, b.value) for b in article.body], ("embed", url)]
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    outside_templates = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    assert "<iframe" not in outside_templates
    assert '<template class="trust-embed__content">' in html
    assert "Accepter" in html and "Refuser" in html
    assert f'href="{url}"' in html  # without JavaScript: a link to the original


# Embargo ------------------------------------------------------------------------------------------------


def _embargoed(site_tree, *, at):
    article = make_article(
        site_tree.sections["politique"],
        title="Le budget sous embargo",
        paragraphs=["Le gouvernement présentera son budget."],
        publish=False,
        live=False,
    )
    article.go_live_at = at
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)


def _public_places(client, site_tree) -> dict[str, str]:
    return {
        "home": client.get("/").content.decode(),
        "section": client.get(site_tree.sections["politique"].url).content.decode(),
        "feed": client.get("/flux/rss/").content.decode(),
        "section feed": client.get("/flux/rubrique/politique/rss/").content.decode(),
        "sitemap": client.get("/sitemap.xml").content.decode(),
        "news sitemap": client.get("/sitemap-news.xml").content.decode(),
        "search": client.get("/recherche/", {"q": "budget embargo"}).content.decode(),
    }


def test_an_embargoed_article_is_nowhere_public_until_its_time(client, site_tree):
    at = timezone.now() + timedelta(hours=2)
    article = _embargoed(site_tree, at=at)
    assert not article.live
    assert client.get(f"/{site_tree.sections['politique'].slug}/").status_code == 200
    for place, html in _public_places(client, site_tree).items():
        assert "Le budget sous embargo" not in html, place
        assert "budget-sous-embargo" not in html, place
    assert client.get(article.url).status_code == 404

    with time_machine.travel(at + timedelta(minutes=1)):
        # No scheduler here: the first page request publishes what is due.
        places = _public_places(client, site_tree)
    for place, html in places.items():
        assert "Le budget sous embargo" in html or "budget-sous-embargo" in html, place


def test_a_partner_reads_the_embargoed_article_through_a_private_link(
    client, site_tree, editor
):
    at = timezone.now() + timedelta(hours=2)
    article = _embargoed(site_tree, at=at)
    link = services.partner_link_create(
        article=article, partner="Agence Exemple", expires_at=at, user=editor
    )
    url = services.partner_link_url(link=link)
    path = urlsplit(url).path
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le budget sous embargo" in html
    assert "Lecture sous embargo réservée à Agence Exemple" in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(path)["Cache-Control"] == "private, no-store"
    link.refresh_from_db()
    assert link.open_count == 2

    assert client.get(path[:-5] + "xxxx/").status_code == 404
    services.partner_link_revoke(link=link)
    assert client.get(path).status_code == 404


def test_an_expired_partner_link_is_refused(client, site_tree, editor):
    at = timezone.now() + timedelta(hours=2)
    article = _embargoed(site_tree, at=at)
    link = services.partner_link_create(
        article=article,
        partner="Agence",
        expires_at=timezone.now() + timedelta(minutes=5),
        user=editor,
    )
    path = urlsplit(services.partner_link_url(link=link)).path
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert client.get(path).status_code == 404


def test_demo_loader_adds_legal_identity_and_a_correction(site_tree, settings):
    from manchette.newsroom.models import DemoLoad

    make_article(site_tree.sections["international"])
    call_command("load_trust_demo")  # not a demo site: nothing happens
    assert Correction.objects.count() == 0
    DemoLoad.objects.create()
    call_command("load_trust_demo")
    call_command("load_trust_demo")
    assert Correction.objects.count() == 1
    assert LegalIdentity.load().missing_fields() == []
