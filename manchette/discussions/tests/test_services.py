"""Posting, replying, editing, deleting, voting, reporting and importing comments."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.models import (
    ArticleDiscussion,
    Comment,
    CommentRevision,
    Vote,
)
from manchette.discussions.policy import CommentRefused
from manchette.discussions.tests.factories import make_comment, make_identity
from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db


def _post(article, identity, body="Un avis argumenté.", **options):
    options.setdefault("form_age_seconds", 30)
    return services.comment_post(
        article=article, identity=identity, body=body, ip="198.51.100.7", **options
    )


def _count(article):
    row = ArticleDiscussion.objects.filter(article=article).first()
    return row.comment_count if row else 0


def test_comment_post_publishes_and_counts_under_post_moderation(
    article, post_moderation
):
    comment = _post(article, make_identity())
    assert comment.status == "approved"
    assert comment.body_html == "<p>Un avis argumenté.</p>"
    assert _count(article) == 1


def test_first_comment_of_a_new_guest_is_held_by_default(article):
    identity = make_identity()
    first = _post(article, identity)
    assert first.status == "pending" and "first_comment" in first.signals
    assert _count(article) == 0
    services.comment_moderate(comment=first, moderator=None, action="approve")
    assert _count(article) == 1
    identity.refresh_from_db()
    assert _post(article, identity, body="Un deuxième avis.").status == "approved"


def test_section_pre_moderation_holds_and_trusted_readers_skip_it(
    article, post_moderation
):
    section = article.get_parent().specific
    section.comment_policy = "pre"
    section.save()
    assert _post(article, make_identity()).status == "pending"
    trusted = make_identity(trust="trusted")
    assert _post(article, trusted, body="Lecteur de confiance.").status == "approved"


def test_double_submit_creates_one_comment(article, post_moderation):
    identity = make_identity()
    first = _post(article, identity, nonce="abc")
    again = _post(article, identity, nonce="abc")
    assert first.pk == again.pk
    assert Comment.objects.count() == 1 and _count(article) == 1


def test_comment_post_rejects_closed_and_unpublished_articles(
    site_tree, article, post_moderation
):
    services.article_comments_close(article=article, closed=True)
    with pytest.raises(CommentRefused, match="fermés"):
        _post(article, make_identity())
    draft = make_article(site_tree.sections["france"], publish=False, live=False)
    with pytest.raises(CommentRefused):
        _post(draft, make_identity())


def test_comments_close_automatically_after_the_sections_delay(
    article, post_moderation
):
    section = article.get_parent().specific
    section.comments_close_after_days = 2
    section.save()
    _post(article, make_identity())
    with (
        time_machine.travel(timezone.now() + timedelta(days=3)),
        pytest.raises(CommentRefused),
    ):
        _post(article, make_identity(), body="Trop tard.")


def test_replies_deeper_than_the_limit_attach_to_the_deepest_level_and_name_whom_they_answer(
    article, post_moderation
):
    top = make_comment(article)
    second = _post(article, make_identity(name="Bea"), parent=top, body="Niveau 2")
    third = _post(article, make_identity(name="Chloé"), parent=second, body="Niveau 3")
    fourth = services.comment_reply(
        parent=third,
        identity=make_identity(name="Driss"),
        body="Niveau 4",
        ip="198.51.100.8",
        form_age_seconds=30,
    )
    assert (second.depth, third.depth, fourth.depth) == (1, 2, 2)
    assert fourth.parent_id == second.pk and fourth.root_id == top.pk
    assert fourth.reply_to_name == "Chloé"
    top.refresh_from_db()
    assert top.reply_count == 1


def test_a_reply_must_belong_to_the_same_article(site_tree, article, post_moderation):
    other = make_article(site_tree.sections["france"])
    foreign = make_comment(other)
    with pytest.raises(CommentRefused):
        _post(article, make_identity(), parent=foreign)


def test_edit_keeps_the_earlier_version_within_the_window_and_until_replied(
    article, post_moderation
):
    identity = make_identity()
    comment = _post(article, identity, body="Premier jet")
    services.comment_edit(comment=comment, identity=identity, body="Version corrigée")
    comment.refresh_from_db()
    assert comment.is_edited and comment.body_raw == "Version corrigée"
    assert CommentRevision.objects.get(comment=comment).body_raw == "Premier jet"
    with pytest.raises(CommentRefused):
        services.comment_edit(
            comment=comment, identity=make_identity(), body="Pas à moi"
        )
    make_comment(article, parent=comment)
    with pytest.raises(CommentRefused, match="modifié"):
        services.comment_edit(comment=comment, identity=identity, body="Après réponse")


def test_edit_is_refused_after_fifteen_minutes(article, post_moderation):
    identity = make_identity()
    comment = _post(article, identity)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=16)),
        pytest.raises(CommentRefused),
    ):
        services.comment_edit(comment=comment, identity=identity, body="Trop tard")


def test_delete_leaves_a_placeholder_and_updates_counts(article, post_moderation):
    identity = make_identity()
    comment = _post(article, identity, body="À effacer")
    make_comment(article, parent=comment)
    assert _count(article) == 2
    services.comment_delete(comment=comment, identity=identity)
    comment.refresh_from_db()
    assert comment.status == "deleted" and comment.body_raw == ""
    assert _count(article) == 1


def test_one_vote_per_reader_changeable(article, post_moderation):
    comment = make_comment(article)
    reader = make_identity()
    services.comment_vote(comment=comment, identity=reader, value=1)
    services.comment_vote(comment=comment, identity=reader, value=1)
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes) == (1, 1)
    services.comment_vote(comment=comment, identity=reader, value=-1)
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes, comment.downvotes) == (-1, 0, 1)
    services.comment_vote(comment=comment, identity=reader, value=0)
    comment.refresh_from_db()
    assert comment.score == 0 and not Vote.objects.exists()


def test_votes_are_refused_on_closed_articles_and_unpublished_comments(article):
    comment = make_comment(article)
    pending = make_comment(article, status="pending")
    with pytest.raises(CommentRefused):
        services.comment_vote(comment=pending, identity=make_identity(), value=1)
    services.article_comments_close(article=article, closed=True)
    with pytest.raises(CommentRefused):
        services.comment_vote(comment=comment, identity=make_identity(), value=1)


def test_reports_past_the_threshold_hide_the_comment(article):
    comment = make_comment(article)
    reporter = make_identity()
    services.comment_report(comment=comment, identity=reporter, reason="abuse")
    services.comment_report(
        comment=comment, identity=reporter, reason="abuse"
    )  # counted once
    services.comment_report(comment=comment, identity=make_identity(), reason="abuse")
    comment.refresh_from_db()
    assert comment.status == "approved" and comment.report_count == 2
    services.comment_report(comment=comment, identity=make_identity(), reason="hate")
    comment.refresh_from_db()
    assert comment.status == "pending" and "reported" in comment.signals
    assert _count(article) == 0


def test_comment_import_is_idempotent_and_keeps_history(article):
    when = timezone.now() - timedelta(days=400)
    kwargs = {
        "article": article,
        "parent": None,
        "author_name": "Jean <b>",
        "author_email": "jean@example.org",
        "author_url": "https://jean.example",
        "ip": "192.0.2.1",
        "created_at": when,
        "status": "approved",
        "body_raw": "Ancien commentaire https://exemple.fr",
        "likes": 5,
        "dislikes": 2,
        "external_id": "wp-42",
    }
    first = services.comment_import(**kwargs)
    again = services.comment_import(**kwargs)
    assert first.pk == again.pk and Comment.objects.count() == 1
    assert first.created_at == when and first.score == 3
    assert "<a" not in first.body_html  # imported links stay text
    reply = services.comment_import(
        **{**kwargs, "parent": first, "external_id": "wp-43"}
    )
    assert reply.depth == 1 and reply.root_id == first.pk
    assert _count(article) == 2


def test_trust_grows_with_approved_comments_of_a_confirmed_reader(
    article, post_moderation
):
    identity = make_identity(email_confirmed_at=timezone.now(), trust="confirmed")
    for n in range(3):
        _post(article, identity, body=f"Avis {n}")
    identity.refresh_from_db()
    assert identity.approved_count == 3 and identity.trust == "trusted"
