"""What editors see: the kinds they edit, and each article's reactions per day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manchette.reactions.models import Reaction, ReactionKind
from manchette.reactions.services import reaction_set

pytestmark = pytest.mark.django_db


def test_editors_see_each_articles_reactions_per_day_with_a_chart(
    client, editor, article
):
    for i, slug in enumerate(["utile", "utile", "triste"]):
        reaction_set(
            article_id=article.pk,
            reader_key=f"g:{i}",
            kind_slug=slug,
            client_key="1.1.1.1",
        )
    Reaction.objects.filter(reader_key="g:2").update(
        created_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(editor)
    report = client.get("/admin/reactions/")
    assert report.status_code == 200
    assert article.title in report.content.decode()
    html = client.get(f"/admin/reactions/article/{article.pk}/").content.decode()
    assert '<svg class="reactions-chart"' in html
    assert html.count("<rect ") == 2  # today's Utile, and Triste two days ago
    assert "Utile : 2" in html and "Triste : 1" in html
    assert "3 réactions données ces 30 derniers jours" in html
    edit = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert f"/admin/reactions/article/{article.pk}/" in edit


def test_editors_edit_the_kinds_and_an_svg_icon_is_kept_inert(client, editor):
    client.force_login(editor)
    assert "Intéressant" in client.get("/admin/reaction_kinds/").content.decode()
    response = client.post(
        "/admin/reaction_kinds/new/",
        {
            "label": "Émouvant",
            "slug": "emouvant",
            "emoji": "",
            "icon_svg": '<svg viewBox="0 0 24 24" onload="alert(1)"><script>alert(1)</script><circle cx="12" cy="12" r="9"/></svg>',
            "order": "70",
            "active": "on",
        },
    )
    assert response.status_code == 302
    kind = ReactionKind.objects.get(slug="emouvant")
    assert "script" not in kind.icon_svg and "onload" not in kind.icon_svg
    assert "<circle" in kind.icon_svg and 'viewBox="0 0 24 24"' in kind.icon_svg


def test_a_kind_needs_an_emoji_or_an_icon(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/reaction_kinds/new/",
        {"label": "Vide", "slug": "vide", "emoji": "", "icon_svg": "", "order": "1"},
    )
    assert response.status_code == 200
    assert "Donnez un émoji ou une icône SVG" in response.content.decode()
    assert not ReactionKind.objects.filter(slug="vide").exists()
