"""Importing a whole thread at once gives what importing it comment by comment gives:
the same places in the thread, the same text shown, the same counts; and it can be
run again, or after a part of the thread was imported, without duplicating anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.fragments import cached_render
from manchette.discussions.importing import ImportedComment, comments_import_bulk
from manchette.discussions.models import ArticleDiscussion, Comment
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=800)


def thread(prefix: str) -> list[ImportedComment]:
    """Parents first: a reply, a reply to a reply, one deeper than the limit, a held
    one, a spam, an answer to a comment missing from the export, hostile text."""
    rows = [
        (1, None, "approved", "Premier avis."),
        (2, 1, "approved", "Réponse au premier."),
        (3, 2, "approved", "Réponse à la réponse."),
        (4, 3, "approved", "Trop profond : rattaché plus haut."),
        (5, None, "pending", "En attente."),
        (6, 1, "spam", "Achetez ici."),
        (7, 999, "approved", "Son parent n’est pas dans l’export."),
        (8, 1, "approved", '<script>alert("x")</script> https://exemple.fr'),
    ]
    return [
        ImportedComment(
            key=key,
            parent_key=parent,
            external_id=f"{prefix}:{key}",
            author_name=f"Lecteur {key}",
            author_email=f"lecteur{key}@example.org",
            author_url="",
            ip="192.0.2.7",
            created_at=START + timedelta(hours=key),
            status=status,
            body_raw=body,
            likes=key,
            dislikes=1,
        )
        for key, parent, status, body in rows
    ]


def one_by_one(article, comments: list[ImportedComment]) -> None:
    made: dict[object, Comment] = {}
    for c in comments:
        made[c.key] = services.comment_import(
            article=article,
            parent=made.get(c.parent_key),
            author_name=c.author_name,
            author_email=c.author_email,
            author_url=c.author_url,
            ip=c.ip,
            created_at=c.created_at,
            status=c.status,
            body_raw=c.body_raw,
            likes=c.likes,
            dislikes=c.dislikes,
            external_id=c.external_id,
        )


def shape(article) -> dict[str, object]:
    """The thread as readers and moderators see it, named by the source's keys."""
    comments = list(Comment.objects.filter(article=article))
    key = {c.pk: c.external_id.split(":")[1] for c in comments}
    discussion = ArticleDiscussion.objects.get(article=article)
    return {
        "comments": sorted(
            (
                key[c.pk],
                key.get(c.parent_id),
                key.get(c.root_id),
                c.depth,
                c.reply_to_name,
                c.status,
                c.author_name,
                c.avatar_seed,
                c.body_html,
                c.created_at,
                c.score,
                c.upvotes,
                c.downvotes,
                c.reply_count,
                c.ip,
            )
            for c in comments
        ),
        "count": discussion.comment_count,
        "last": (discussion.last_comment_at, key[discussion.last_comment_id]),
    }


def test_a_thread_in_bulk_is_the_thread_imported_comment_by_comment(site_tree):
    section = site_tree.sections["international"]
    bulk, single = make_article(section), make_article(section)
    result = comments_import_bulk(article=bulk, comments=thread("bulk"))
    one_by_one(single, thread("single"))
    assert shape(bulk) == shape(single)
    assert result.created == {1, 2, 3, 4, 5, 6, 7, 8}
    deep = result.comments[4]
    assert (deep.depth, deep.parent_id, deep.reply_to_name) == (
        2,
        result.comments[2].pk,
        "Lecteur 3",
    )
    assert result.comments[7].parent_id is None  # its parent was not exported
    assert "<script>" not in result.comments[8].body_html
    assert "<a" not in result.comments[8].body_html  # imported links stay text
    assert shape(bulk)["count"] == 6  # approved ones only


def test_running_it_again_or_after_a_part_duplicates_nothing(site_tree):
    section = site_tree.sections["international"]
    article, reference = make_article(section), make_article(section)
    comments_import_bulk(article=article, comments=thread("wp")[:3])
    again = comments_import_bulk(article=article, comments=thread("wp"))
    assert again.created == {4, 5, 6, 7, 8}  # replies find parents imported before
    comments_import_bulk(article=reference, comments=thread("ref"))
    assert shape(article) == shape(reference)
    before = shape(article)
    third = comments_import_bulk(article=article, comments=thread("wp"))
    assert third.created == set()
    assert shape(article) == before
    assert Comment.objects.filter(article=article).count() == 8


@pytest.mark.parametrize("cache_refresh", [True, False])
def test_a_cached_discussion_shows_the_comments_imported_into_it(
    site_tree, cache_refresh
):
    article = make_article(site_tree.sections["international"])
    cached_render(article_id=article.pk, variant="test", render=lambda: "avant")
    comments_import_bulk(
        article=article, comments=thread("wp"), cache_refresh=cache_refresh
    )
    shown = cached_render(article_id=article.pk, variant="test", render=lambda: "après")
    assert shown == "après"
