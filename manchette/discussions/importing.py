"""Bulk import of one article's comments from another system (WordPress), for exports
of tens of thousands of comments.

The result is the one `services.comment_import` gives comment by comment (same
placement in the thread, same text, same counts), written with about five queries per
article instead of about a dozen per comment: the thread is known in advance, so the
comments are inserted together, then the replies placed in one update, and the
denormalised counts added once. `comment_import` stays the path for one comment."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from manchette.discussions import conf
from manchette.discussions.fragments import discussion_changed
from manchette.discussions.models import ArticleDiscussion, Comment, CommentStatus
from manchette.discussions.rendering import body_render, email_hash, text_normalize
from manchette.discussions.services import _page_changed, _placement
from manchette.newsroom.models import ArticlePage


@dataclass(frozen=True)
class ImportedComment:
    """One comment as the other system had it. `key` and `parent_key` are that
    system's ids: a parent is found among the comments of the same call, or among
    those an earlier import made (by `external_id`)."""

    key: Hashable
    parent_key: Hashable | None
    external_id: str
    author_name: str
    author_email: str
    author_url: str
    ip: str | None
    created_at: datetime
    status: str
    body_raw: str
    likes: int = 0
    dislikes: int = 0


@dataclass(frozen=True)
class ImportedThread:
    comments: dict[Hashable, Comment]  # key → the comment, created now or before
    created: set[Hashable]


@transaction.atomic
def comments_import_bulk(
    *,
    article: ArticlePage,
    comments: Sequence[ImportedComment],
    cache_refresh: bool = True,
) -> ImportedThread:
    """Import an article's comments at once; parents must come before their replies.
    Idempotent by `external_id`: a comment already imported is left as it is. A reply
    whose parent is neither in `comments` nor already imported goes to the first
    level.

    Counts: the article's approved count, each parent's replies; the article's last
    comment is the most recent approved one, if more recent than the one it had.
    `cache_refresh=False`: the caller refreshes the cached pages itself, once (an
    import of a whole site), instead of the article's page here (the discussion's
    cached fragments are refreshed here all the same)."""
    before = {
        c.external_id: c
        for c in Comment.objects.filter(
            external_id__in=[c.external_id for c in comments]
        )
    }
    name_max = conf.get("NAME_MAX_LENGTH")
    # All new comments in one insert, at the first level for a moment...
    rows = {
        item.key: _row(article, item, name_max)
        for item in comments
        if item.external_id not in before
    }
    Comment.objects.bulk_create(list(rows.values()))
    new_ids = {c.pk for c in rows.values()}
    # ... then, with their ids known, each reply placed as comment_import places it
    # (in the given order: a parent found only if it comes first), in one update.
    by_key: dict[Hashable, Comment] = {}
    changed: dict[int, Comment] = {}
    older_parents: Counter[int] = Counter()  # replies to comments imported before
    for item in comments:
        if item.key not in rows:
            by_key[item.key] = before[item.external_id]
            continue
        comment = rows[item.key]
        parent = by_key.get(item.parent_key) if item.parent_key is not None else None
        by_key[item.key] = comment
        if parent is None:
            continue
        comment.parent, comment.root_id, comment.depth, comment.reply_to_name = (
            _placement(parent)
        )
        changed[comment.pk] = comment
        if comment.status == CommentStatus.APPROVED and comment.parent is not None:
            if comment.parent.pk in new_ids:
                comment.parent.reply_count += 1
                changed[comment.parent.pk] = comment.parent
            else:
                older_parents[comment.parent.pk] += 1
    _placements_write(list(changed.values()))
    if older_parents:
        Comment.objects.filter(pk__in=older_parents).update(
            reply_count=F("reply_count")
            + Case(
                *(When(pk=pk, then=Value(n)) for pk, n in older_parents.items()),
                output_field=models.PositiveIntegerField(),
            )
        )
    approved = [c for c in rows.values() if c.status == CommentStatus.APPROVED]
    _counts_add(article, approved)
    if rows:
        if cache_refresh:
            _page_changed(article.pk)
        else:  # the discussion's own cached fragments, always
            discussion_changed(article.pk)
    return ImportedThread(comments=by_key, created=set(rows))


def _placements_write(comments: list[Comment]) -> None:
    """One statement run for each reply: the ORM's bulk_update would build a CASE
    per field and row, which costs more than all the rest of a thread's import."""
    if not comments:
        return
    meta = Comment._meta
    quote = connection.ops.quote_name
    columns = [
        str(meta.get_field(name).column)  # type: ignore[union-attr]
        for name in ("parent", "root", "depth", "reply_to_name", "reply_count")
    ]
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    # (names from the model itself, values as parameters)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote(str(meta.pk.column))} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (c.parent_id, c.root_id, c.depth, c.reply_to_name, c.reply_count, c.pk)
                for c in comments
            ],
        )


def _row(article: ArticlePage, item: ImportedComment, name_max: int) -> Comment:
    body = text_normalize(item.body_raw)
    return Comment(
        article=article,
        author_name=text_normalize(item.author_name)[:name_max] or _("Anonyme"),
        author_email=item.author_email or "",
        author_url=item.author_url or "",
        avatar_seed=email_hash(item.author_email)
        or hashlib.sha256(item.external_id.encode()).hexdigest(),
        body_raw=body,
        body_html=body_render(body, links=False),
        status=item.status,
        external_id=item.external_id,
        ip=item.ip or None,
        created_at=item.created_at,
        score=item.likes - item.dislikes,
        upvotes=item.likes,
        downvotes=item.dislikes,
    )


def _counts_add(article: ArticlePage, approved: list[Comment]) -> None:
    if not approved:
        return
    latest = max(approved, key=lambda c: (c.created_at, c.pk))
    current = (
        ArticleDiscussion.objects.select_for_update()
        .filter(article_id=article.pk)
        .values("last_comment_at")
        .first()
    )
    if current is None:
        ArticleDiscussion.objects.create(
            article_id=article.pk,
            comment_count=len(approved),
            last_comment_at=latest.created_at,
            last_comment_id=latest.pk,
        )
        return
    last: dict[str, object] = {}
    if (
        current["last_comment_at"] is None
        or latest.created_at >= current["last_comment_at"]
    ):
        last = {"last_comment_at": latest.created_at, "last_comment_id": latest.pk}
    ArticleDiscussion.objects.filter(article_id=article.pk).update(
        comment_count=F("comment_count") + len(approved), **last
    )
