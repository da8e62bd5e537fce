"""A thread page takes the same queries whatever the size of the discussion."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from manchette.discussions import selectors
from manchette.discussions.models import Comment
from manchette.discussions.tests.factories import make_comment

pytestmark = pytest.mark.django_db


def _grow(article, total):
    """Threads of one top-level comment and two levels of replies."""
    made = 0
    while made < total:
        top = make_comment(article)
        reply = make_comment(article, parent=top)
        make_comment(article, parent=reply)
        made += 3


def _queries(article_id):
    with CaptureQueriesContext(connection) as captured:
        page = selectors.thread_page(article_id=article_id)
        selectors.thread_tree(page.comments)
        for comment in page.comments:
            for node in [comment, *comment.replies]:
                _ = (node.identity, node.children_list, node.body_html)
    return len(captured.captured_queries), page


def test_thread_page_takes_a_fixed_number_of_queries_for_10_or_200_comments(article):
    _grow(article, 10)
    few, _small = _queries(article.pk)
    _grow(article, 190)
    many, large = _queries(article.pk)
    assert few == many == 3
    assert len(large.comments) == 20 and large.has_next
    assert large.count == Comment.objects.filter(status="approved").count() > 200


def test_thread_sorts_newest_oldest_and_most_voted_with_pinned_first(article):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    old = make_comment(article, created_at=now - timedelta(hours=2), score=5)
    new = make_comment(article, created_at=now, score=0)
    pinned = make_comment(article, created_at=now - timedelta(hours=1), is_pinned=True)

    def ids(sort):
        return [
            c.pk
            for c in selectors.thread_page(article_id=article.pk, sort=sort).comments
        ]

    assert ids("recents") == [pinned.pk, new.pk, old.pk]
    assert ids("anciens") == [pinned.pk, old.pk, new.pk]
    assert ids("votes") == [pinned.pk, old.pk, new.pk]
    assert ids("nimporte") == ids("recents")


def test_removed_comments_stay_as_placeholders_only_when_they_have_replies(article):
    lonely = make_comment(article, status="removed")
    answered = make_comment(article)
    make_comment(article, parent=answered)
    Comment.objects.filter(pk=answered.pk).update(status="deleted")
    shown = [c.pk for c in selectors.thread_page(article_id=article.pk).comments]
    assert answered.pk in shown and lonely.pk not in shown
