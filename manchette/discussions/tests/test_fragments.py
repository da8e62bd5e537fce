"""The discussion under an article is rendered once per change of the discussion and
kept in the shared cache: a page render that finds it reads no comment, and every
change that readers see (a new comment, a vote, an edit, a moderator's decision, the
author's deletion, closing) shows at the next render."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from manchette.discussions import fragments, services
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, settings, django_capture_on_commit_callbacks):
    """The article page as rendered by the server (the whole-page cache off, so that
    only the discussion's own cache is at work)."""
    settings.PAGE_CACHE_ENABLED = False

    def get(article) -> str:
        response = client.get(article.url)
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as in production: its after-commit work included."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def _post(article, identity, body):
    return services.comment_post(
        article=article, identity=identity, body=body, ip="198.51.100.7"
    )


def _discussion_queries(page, article) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        page(article)
    return [q["sql"] for q in captured.captured_queries if "discussions_" in q["sql"]]


def test_a_page_render_that_finds_the_block_reads_no_comment_whatever_their_number(
    page, article, post_moderation
):
    for n in range(30):
        make_comment(article, body=f"Avis {n}")
    first = page(article)
    assert "Avis 29" in first
    assert _discussion_queries(page, article) == []
    for n in range(30, 300):
        make_comment(article, body=f"Avis {n}")
    assert "Avis 299" in page(article)
    assert _discussion_queries(page, article) == []


def test_after_a_change_the_block_takes_the_same_queries_for_30_or_300_comments(
    page, article, post_moderation
):
    def queries_after_a_change() -> int:
        fragments.discussion_changed(article.pk)
        return len(_discussion_queries(page, article))

    for n in range(30):
        make_comment(article, body=f"Avis {n}")
    page(article)  # the site's moderation policies are in the cache from then on
    few = queries_after_a_change()
    for n in range(30, 300):
        make_comment(article, body=f"Avis {n}")
    assert queries_after_a_change() == few == 3


def test_a_new_comment_shows_at_once(page, committed, article, post_moderation):
    make_comment(article, body="Le premier.")
    assert "Le premier." in page(article)
    committed(lambda: _post(article, make_identity(), "Le second."))
    html = page(article)
    assert "Le second." in html and "2 commentaires" in html


def test_a_reply_shows_under_its_comment(page, committed, article, post_moderation):
    top = make_comment(article, body="Question.")
    assert "Réponse." not in page(article)
    committed(
        lambda: services.comment_reply(
            parent=top, identity=make_identity(), body="Réponse.", ip="198.51.100.8"
        )
    )
    html = page(article)
    assert html.index("Question.") < html.index("Réponse.")


def test_a_vote_changes_the_counts_shown(page, committed, article, post_moderation):
    comment = make_comment(article)
    assert "<span data-upvotes>0</span>" in page(article)
    committed(
        lambda: services.comment_vote(
            comment=comment, identity=make_identity(), value=1
        )
    )
    assert "<span data-upvotes>1</span>" in page(article)


def test_an_edit_shows_the_new_text_marked_modified(
    page, committed, article, post_moderation
):
    identity = make_identity()
    comment = _post(article, identity, "Premier jet.")
    assert "Premier jet." in page(article)
    committed(
        lambda: services.comment_edit(
            comment=comment, identity=identity, body="Texte revu."
        )
    )
    html = page(article)
    assert "Texte revu." in html and "Premier jet." not in html
    assert "comment__edited" in html


def test_moderators_decisions_show_removed_pinned_and_picked(
    page, committed, article, post_moderation
):
    removed = make_comment(article, body="À retirer.")
    kept = make_comment(article, body="À épingler.")
    assert "À retirer." in page(article)
    committed(
        lambda: services.comment_moderate(
            comment=removed, moderator=None, action="remove", reason="Insulte."
        )
    )
    html = page(article)
    assert "À retirer." not in html and "1 commentaire" in html
    committed(
        lambda: services.comment_moderate(comment=kept, moderator=None, action="pin")
    )
    assert "badge--pinned" in page(article)
    committed(
        lambda: services.comment_moderate(comment=kept, moderator=None, action="pick")
    )
    assert "badge--pick" in page(article)


def test_a_held_comment_approved_by_a_moderator_shows(page, committed, article):
    held = _post(article, make_identity(), "Relu puis publié.")
    assert held.status == "pending"
    assert "Relu puis publié." not in page(article)
    committed(
        lambda: services.comment_moderate(
            comment=held, moderator=None, action="approve"
        )
    )
    assert "Relu puis publié." in page(article)


def test_the_authors_deletion_and_closing_the_article_show(
    page, committed, article, post_moderation
):
    identity = make_identity()
    comment = _post(article, identity, "Je me ravise.")
    assert "Je me ravise." in page(article)
    committed(lambda: services.comment_delete(comment=comment, identity=identity))
    assert "Je me ravise." not in page(article)
    committed(lambda: services.article_comments_close(article=article, closed=True))
    assert "Les commentaires sont fermés" in page(article)


def test_a_change_of_policy_shows_in_the_form(page, article, post_moderation):
    assert "relecture par la modération" not in page(article)
    post_moderation.policy = "pre"
    post_moderation.save()
    assert "relecture par la modération" in page(article)


def test_a_render_made_before_the_change_was_committed_is_not_kept(
    django_capture_on_commit_callbacks, article
):
    def shown(text: str) -> str:
        return fragments.cached_render(
            article_id=article.pk, variant="test", render=lambda: text
        )

    assert shown("avant") == "avant"
    assert shown("ignoré") == "avant"  # from the cache
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        fragments.discussion_changed(article.pk)
    # Another process renders between the change and its commit, from the old rows.
    assert shown("rendu pendant la transaction") == "rendu pendant la transaction"
    for callback in after_commit:
        callback()
    assert shown("après") == "après"


def test_load_more_serves_the_shared_fragment_to_readers_without_identity(
    client, committed, article, post_moderation
):
    made = [make_comment(article, body=f"Numéro {n:02d}") for n in range(25)]
    url = f"/commentaires/{article.pk}/?tri=recents&page=2&fragment=1"
    first = client.get(url).content.decode()
    assert "Numéro 04" in first and "<span data-upvotes>1</span>" not in first
    committed(
        lambda: services.comment_vote(
            comment=made[0], identity=make_identity(), value=1
        )
    )
    second = client.get(url)
    assert "no-store" in second["Cache-Control"]
    assert "<span data-upvotes>1</span>" in second.content.decode()


def test_the_apis_thread_json_follows_every_change_too(
    client, committed, article, post_moderation
):
    identity = make_identity()
    comment = _post(article, identity, "Par l’API.")
    url = f"/api/discussions/articles/{article.pk}/comments"
    first = client.get(url).json()
    assert first["count"] == 1 and first["comments"][0]["upvotes"] == 0
    assert _discussion_queries_of(client, url) == []
    committed(
        lambda: services.comment_vote(
            comment=comment, identity=make_identity(), value=1
        )
    )
    assert client.get(url).json()["comments"][0]["upvotes"] == 1
    committed(
        lambda: services.comment_edit(comment=comment, identity=identity, body="Revu.")
    )
    edited = client.get(url).json()["comments"][0]
    assert edited["html"] == "<p>Revu.</p>" and edited["edited"] is True
    committed(
        lambda: services.comment_moderate(
            comment=comment, moderator=None, action="remove", reason="Hors sujet."
        )
    )
    assert client.get(url).json() == {**first, "count": 0, "comments": []}


def _discussion_queries_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "discussions_" in q["sql"]]


def test_a_kept_thread_is_not_served_once_its_article_is_unpublished(
    client, article, post_moderation
):
    make_comment(article, body="Sous un article retiré.")
    url = f"/api/discussions/articles/{article.pk}/comments"
    assert client.get(url).json()["count"] == 1
    article.unpublish()
    gone = client.get(url)
    assert gone.status_code == 404 and "retiré" not in gone.content.decode()
