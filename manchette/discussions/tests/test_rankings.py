"""What the rankings and the editors' dashboard read from the discussions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manchette.discussions.models import Comment, CommentStatus
from manchette.discussions.selectors import (
    article_ids_most_commented,
    moderation_queue_waiting,
)
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _comment(article, status, ago):
    return Comment.objects.create(
        article=article,
        status=status,
        body_raw="Un avis.",
        body_html="<p>Un avis.</p>",
        created_at=timezone.now() - ago,
    )


def test_the_most_commented_articles_count_published_comments_of_the_period(site_tree):
    busy = make_article(site_tree.sections["france"])
    quiet = make_article(site_tree.sections["sport"])
    for _ in range(3):
        _comment(busy, CommentStatus.APPROVED, timedelta(hours=1))
    _comment(quiet, CommentStatus.APPROVED, timedelta(hours=2))
    _comment(quiet, CommentStatus.PENDING, timedelta(hours=1))
    _comment(quiet, CommentStatus.APPROVED, timedelta(days=3))
    since = timezone.now() - timedelta(hours=24)
    assert article_ids_most_commented(since=since) == [(busy.pk, 3), (quiet.pk, 1)]
    assert article_ids_most_commented(
        since=since, section=site_tree.sections["sport"]
    ) == [(quiet.pk, 1)]


def test_the_moderation_queue_waiting_time_is_that_of_its_oldest_comment(site_tree):
    article = make_article(site_tree.sections["france"])
    assert moderation_queue_waiting() == {"count": 0, "oldest_minutes": 0}
    _comment(article, CommentStatus.PENDING, timedelta(minutes=42))
    _comment(article, CommentStatus.PENDING, timedelta(minutes=5))
    _comment(article, CommentStatus.APPROVED, timedelta(hours=5))
    assert moderation_queue_waiting() == {"count": 2, "oldest_minutes": 42}
