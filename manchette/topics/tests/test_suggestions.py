"""Suggested topics: found when an editor saves an article, accepted or rejected in
the article's admin view, and printed by `manage.py suggest_topics`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article, make_topic
from manchette.topics.models import SuggestionStatus, Topic, TopicSuggestion
from manchette.topics.selectors import topics_found_in_text
from manchette.topics.services import topic_suggestions_refresh

pytestmark = pytest.mark.django_db

TEXT = (
    "Le Premier ministre arménien Nikol Pachinian a reçu lundi à Erevan le chef de la "
    "diplomatie française, Jean-Noël Barrot. Les Arméniens attendent un soutien de la "
    "France face à l’Azerbaïdjan, a souligné l’Union européenne."
)


@pytest.fixture
def known(db):
    return {
        "armenie": make_topic("Arménie", kind="place", aliases="Erevan"),
        "armeniens": make_topic("Arméniens", kind="theme"),
        "france": make_topic("France", kind="place"),
        "europe": make_topic("Europe", kind="place", aliases="Union européenne"),
        "turquie": make_topic("Turquie", kind="place"),
    }


def test_known_topics_are_found_through_names_and_aliases_and_new_entities_by_spacy(
    known,
):
    found = {f.name: f for f in topics_found_in_text(text=TEXT)}
    assert found["Arménie"].known and found["Arménie"].words == ["Erevan"]
    assert found["Europe"].words == ["Union européenne"]
    assert {"Arméniens", "France"} <= set(found)
    assert "Turquie" not in found
    assert (
        found["Jean-Noël Barrot"].kind == "person"
        and not found["Jean-Noël Barrot"].known
    )
    assert (
        found["Azerbaïdjan"].kind == "place"
    )  # the elided article is not part of the name
    # A known topic is never suggested again as a new entity.
    assert [f.name for f in found.values() if not f.known].count("Erevan") == 0


def test_saving_an_article_in_the_admin_suggests_its_topics(
    client, editor, site_tree, known, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    section = site_tree.sections["international"]
    data = nested_form_data(
        {
            "title": "Erevan attend Paris",
            "slug": "erevan-attend-paris",
            "kicker": "",
            "standfirst": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{TEXT}</p>"))]),
        }
    )
    data["topics"] = [known["armenie"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk]
            ),
            data,
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = ArticlePage.objects.get(slug="erevan-attend-paris")
    suggestions = {s.name: s for s in TopicSuggestion.objects.filter(article=article)}
    # Already a topic of the article: not suggested.
    assert "Arménie" not in suggestions
    assert suggestions["France"].topic == known["france"]
    assert suggestions["Jean-Noël Barrot"].is_new
    edit = client.get(
        reverse("wagtailadmin_pages:edit", args=[article.pk])
    ).content.decode()
    assert reverse("topics_article_suggestions", args=[article.pk]) in edit
    page = client.get(
        reverse("topics_article_suggestions", args=[article.pk])
    ).content.decode()
    assert "Jean-Noël Barrot" in page and "France" in page


def test_accepting_adds_the_topic_creating_it_when_new_and_rejecting_keeps_it_out(
    client, editor, site_tree, known
):
    article = make_article(site_tree.sections["international"], paragraphs=[TEXT])
    topic_suggestions_refresh(article_id=article.pk)
    client.force_login(editor)
    url = reverse("topics_article_suggestions", args=[article.pk])
    new = TopicSuggestion.objects.get(article=article, name="Jean-Noël Barrot")
    france = TopicSuggestion.objects.get(article=article, topic=known["france"])
    turkey_free = TopicSuggestion.objects.get(article=article, topic=known["armeniens"])

    assert (
        client.post(url, {"action": "accept", "suggestion": new.pk}).status_code == 302
    )
    assert (
        client.post(url, {"action": "accept", "suggestion": france.pk}).status_code
        == 302
    )
    assert (
        client.post(url, {"action": "reject", "suggestion": turkey_free.pk}).status_code
        == 302
    )

    barrot = Topic.objects.get(name="Jean-Noël Barrot")
    assert barrot.kind == "person"
    article.refresh_from_db()
    assert set(article.topics.all()) >= {
        barrot,
        known["france"],
    }  # live: published again
    assert known["armeniens"] not in set(article.topics.all())
    # Saving again keeps the decisions.
    topic_suggestions_refresh(article_id=article.pk)
    assert (
        TopicSuggestion.objects.get(pk=turkey_free.pk).status
        == SuggestionStatus.REJECTED
    )
    assert not TopicSuggestion.objects.filter(
        article=article, status=SuggestionStatus.PENDING, topic=known["france"]
    ).exists()
    # Accepting twice is harmless: the suggestion is no longer pending.
    assert (
        client.post(url, {"action": "accept", "suggestion": new.pk}).status_code == 404
    )


def test_words_not_to_link_are_saved_from_the_suggestions_view(
    client, editor, site_tree, known
):
    article = make_article(
        site_tree.sections["france"],
        paragraphs=["La France vote."],
        topics=[known["france"]],
    )
    client.force_login(editor)
    url = reverse("topics_article_suggestions", args=[article.pk])
    client.post(url, {"action": "opt_out", "words": "France"})
    assert 'class="topic-link"' not in client.get(article.url).content.decode()


def test_suggestions_view_needs_edit_permission(client, site_tree, django_user_model):
    article = make_article(site_tree.sections["france"])
    reader = django_user_model.objects.create_user(username="lecteur", password="x")
    client.force_login(reader)
    response = client.get(reverse("topics_article_suggestions", args=[article.pk]))
    assert response.status_code in (302, 403)


def test_suggest_topics_command_prints_json_from_a_file_or_stdin(
    known, tmp_path, monkeypatch
):
    path = tmp_path / "texte.txt"
    path.write_text(TEXT, encoding="utf-8")
    out = io.StringIO()
    call_command("suggest_topics", str(path), stdout=out)
    result = json.loads(out.getvalue())
    by_name = {r["topic"]: r for r in result}
    assert by_name["Arménie"] == {
        "topic": "Arménie",
        "kind": "place",
        "known": True,
        "topic_id": known["armenie"].pk,
        "words": ["Erevan"],
    }
    assert by_name["Jean-Noël Barrot"]["known"] is False

    monkeypatch.setattr("sys.stdin", io.StringIO("ARMENIE et TURQUIE"))
    out = io.StringIO()
    call_command("suggest_topics", "-", "--known-only", stdout=out)
    assert [r["topic"] for r in json.loads(out.getvalue())] == ["Arménie", "Turquie"]
