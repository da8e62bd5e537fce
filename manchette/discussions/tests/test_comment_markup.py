"""Each comment's own markup is rendered once per state of the comment: when the
discussion changes, its block is rendered again from the comments' kept markup, and
only the comments that changed are rendered anew."""

from __future__ import annotations

import pytest
from django.test import override_settings

from manchette.discussions import services
from manchette.discussions.templatetags import discussions as tags
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment_renders(monkeypatch) -> list[int]:
    rendered: list[int] = []
    render = tags.CommentMarkupNode.render

    def counting(node, context):
        html = render(node, context)
        comment = context["comment"]
        state = tags.comment_state(comment, is_open=bool(context.get("is_open")))
        kept = getattr(context.get("thread"), "kept_comment_html", {})
        if tags.COMMENT_HTML_KEY.format(comment.pk, state) not in kept:
            rendered.append(comment.pk)  # not kept: rendered now
        return html

    monkeypatch.setattr(tags.CommentMarkupNode, "render", counting)
    return rendered


@override_settings(PAGE_CACHE_ENABLED=False)
def test_a_new_comment_renders_only_itself_in_the_discussion(
    client, article, comment_renders, django_capture_on_commit_callbacks
):
    earlier = [make_comment(article, body=f"Avis numéro {n}") for n in range(5)]
    first = client.get(article.url).content.decode()
    assert all(f"Avis numéro {n}" in first for n in range(5))
    assert sorted(comment_renders) == sorted(c.pk for c in earlier)
    comment_renders.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = services.comment_post(
            article=article,
            identity=make_identity("Camille", trust="trusted"),
            body="Un avis tout neuf.",
            ip="203.0.113.5",
        )
    html = client.get(article.url).content.decode()
    assert "Un avis tout neuf." in html
    assert all(f"Avis numéro {n}" in html for n in range(5))
    assert comment_renders == [new.pk]


@override_settings(PAGE_CACHE_ENABLED=False)
def test_what_changes_on_a_comment_shows_at_once(
    client, article, django_capture_on_commit_callbacks
):
    comment = make_comment(article, body="Un avis à juger.")
    voter = make_identity("Sacha")
    client.get(article.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_vote(comment=comment, identity=voter, value=1)
    assert "<span data-upvotes>1</span>" in client.get(article.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_vote(comment=comment, identity=voter, value=-1)
    html = client.get(article.url).content.decode()
    assert "<span data-upvotes>0</span>" in html
    assert "<span data-downvotes>1</span>" in html


def test_the_state_of_a_comment_names_everything_its_markup_shows(article):
    comment = make_comment(article, body="Un avis.")
    comment.refresh_from_db()
    base = tags.comment_state(comment, is_open=True)
    assert tags.comment_state(comment, is_open=False) != base
    for field, value in [
        ("is_pinned", True),
        ("is_editors_pick", True),
        ("is_edited", True),
        ("upvotes", 3),
        ("downvotes", 2),
        ("author_name", "Autre nom"),
        ("reply_to_name", "Quelqu’un"),
        ("body_html", "<p>Autre texte</p>"),
        ("status", "deleted"),
        ("as_newsroom", True),
    ]:
        original = getattr(comment, field)
        setattr(comment, field, value)
        assert tags.comment_state(comment, is_open=True) != base, field
        setattr(comment, field, original)
    assert tags.comment_state(comment, is_open=True) == base
