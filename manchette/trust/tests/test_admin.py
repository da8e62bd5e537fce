from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from manchette.newsroom.models import ArticlePage
from manchette.trust import services
from manchette.trust.models import (
    Correction,
    PartnerLink,
    ReplyRequest,
    ReplyStatus,
    ReportStatus,
    TypographyExemption,
)
from manchette.trust.typography import NBSP, NNBSP

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def test_dashboard_warns_of_missing_legal_fields(admin_client, site_tree):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Mentions légales incomplètes." in html
    assert "hébergeur : téléphone" in html


def test_report_list_then_one_step_to_a_correction(admin_client, article):
    report = services.error_report_submit(
        article=article, passage="dix heures", problem="C’était onze heures."
    )
    listing = admin_client.get(reverse("trust_reports:index")).content.decode()
    assert "dix heures" in listing and "Transformer en correction" in listing
    url = reverse("trust_reports:to_correction", args=[report.pk])
    form = admin_client.get(url).content.decode()
    assert "C’était onze heures." in form  # the reader's words, ready to edit
    response = admin_client.post(
        url, {"kind": "correction", "text": "Les discussions ont duré onze heures."}
    )
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert correction.report_id == report.pk
    report.refresh_from_db()
    assert report.status == ReportStatus.CORRECTED


def test_reply_list_shows_the_legal_clock_and_a_decision_publishes(
    admin_client, article
):
    reply = services.reply_request_submit(
        article=article,
        name="Jean Dupont",
        capacity="Cité",
        email="jean@example.org",
        postal_address="Paris",
        contested_passage="réunis",
        reply_text="Je n’y étais pas.",
        idempotency_key="x" * 20,
    )
    ReplyRequest.objects.filter(pk=reply.pk).update(
        received_at=timezone.now() - timedelta(days=4)
    )
    listing = admin_client.get(reverse("trust_replies:index")).content.decode()
    assert "DÉLAI DÉPASSÉ" in listing
    home = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 hors délai légal" in home
    url = reverse("trust_replies:decide", args=[reply.pk])
    refused = admin_client.post(url, {"decision": "refuse", "reason": ""})
    assert "Un refus doit être motivé." in refused.content.decode()
    admin_client.post(url, {"decision": "publish", "reason": ""})
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PUBLISHED
    page = admin_client.get(url).content.decode()
    assert "acceptée et publiée" in page and "Publiée le" in page


def test_editor_creates_a_correction_and_a_partner_link_in_the_admin(
    admin_client, article, editor
):
    response = admin_client.post(
        reverse("trust_corrections:add"),
        {
            "article": article.pk,
            "kind": "update",
            "text": "Bilan mis à jour.",
            "made_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Correction.objects.get().author == editor
    expires = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = admin_client.post(
        reverse("trust_partner_links:add"),
        {
            "article": article.pk,
            "partner": "Agence",
            "expires_at": expires,
            "revoked_at": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = PartnerLink.objects.get()
    assert link.created_by == editor
    listing = admin_client.get(reverse("trust_partner_links:index")).content.decode()
    assert "/embargo/" in listing


def _source(block) -> str:
    """A paragraph's HTML without Draftail's block keys."""
    return re.sub(r' data-block-key="[^"]*"', "", block.value.source)


def _edit_data(article: ArticlePage, paragraphs: list[tuple[str, str]], title: str):
    return nested_form_data(
        {
            "title": title,
            "slug": article.slug,
            "kicker": "",
            "standfirst": "Il l'a dit: « non »",
            "body": streamfield(
                [("paragraph", rich_text(text)) for _id, text in paragraphs]
            ),
            "authors": [],
            "topics": [],
            "source_credit": "",
            "hero_caption": "",
            "hero_credit": "",
            "updated_at": "",
            "update_note": "",
        }
    )


def test_saving_an_article_normalises_its_typography_except_skipped_blocks(
    admin_client, article
):
    data = _edit_data(
        article,
        [("a", "<p>Pourquoi? Parce que...</p>"), ("b", "<p>Code: x!</p>")],
        "Paix: enfin?",
    )
    data["body-0-id"] = "bloc-a"
    data["body-1-id"] = "bloc-b"
    TypographyExemption.objects.create(article=article, block_id="bloc-b")
    url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert draft.title == f"Paix{NBSP}: enfin{NNBSP}?"
    assert draft.standfirst == f"Il l’a dit{NBSP}: «{NNBSP}non{NNBSP}»"
    texts = {block.id: _source(block) for block in draft.body}
    assert texts["bloc-a"] == f"<p>Pourquoi{NNBSP}? Parce que…</p>"
    assert texts["bloc-b"] == "<p>Code: x!</p>"

    preview = admin_client.get(reverse("trust_typography", args=[article.pk]))
    html = preview.content.decode()
    assert "Changements du dernier enregistrement" in html
    assert "Pourquoi␣?" in html  # the preview shows where the spaces went

    admin_client.post(
        reverse("trust_typography", args=[article.pk]), {"skip": ["bloc-a"]}
    )
    assert set(
        TypographyExemption.objects.filter(article=article).values_list(
            "block_id", flat=True
        )
    ) == {"bloc-a"}


def test_rich_text_links_keep_their_text_after_normalising(admin_client, article):
    data = _edit_data(
        article,
        [("a", '<p>Voir <a href="https://exemple.fr/?a=1">ici</a>: oui!</p>')],
        "T",
    )
    raw = json.loads(data["body-0-value"])
    assert raw["entityMap"]  # Draftail's link entity is there
    admin_client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), data)
    draft = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert _source(draft.body[0]) == (
        f'<p>Voir <a href="https://exemple.fr/?a=1">ici</a>{NBSP}: oui{NNBSP}!</p>'
    )
