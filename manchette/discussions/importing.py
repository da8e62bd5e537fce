"""Bulk import of one article's comments from another system (WordPress), for exports
of tens of thousands of comments.

The result is the one `services.comment_import` gives comment by comment (same
placement in the thread, same text, same counts), written with a few queries per
article instead of about a dozen per comment: the thread is known in advance, so the
comments are created level by level with `bulk_create`, and the denormalised counts
are added once at the end. `comment_import` stays the path for one comment."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from manchette.discussions import conf
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
    import of a whole site), instead of the article's page here."""
    before = {
        c.external_id: c
        for c in Comment.objects.filter(
            external_id__in=[c.external_id for c in comments]
        ).select_related("parent")
    }
    by_key: dict[Hashable, Comment] = {}
    created: set[Hashable] = set()
    # Level of each new comment: after its parent when the parent is new too.
    levels: dict[int, list[ImportedComment]] = defaultdict(list)
    level_of: dict[Hashable, int] = {}
    for item in comments:
        if item.external_id in before:
            by_key[item.key] = before[item.external_id]
            continue
        level = level_of[item.parent_key] + 1 if item.parent_key in level_of else 0
        level_of[item.key] = level
        levels[level].append(item)
    name_max = conf.get("NAME_MAX_LENGTH")
    new: list[Comment] = []
    for level in sorted(levels):
        batch: list[Comment] = []
        for item in levels[level]:
            parent = (
                by_key.get(item.parent_key) if item.parent_key is not None else None
            )
            attach_to, root_id, depth, reply_to_name = _placement(parent)
            body = text_normalize(item.body_raw)
            batch.append(
                Comment(
                    article=article,
                    parent=attach_to,
                    root_id=root_id,
                    depth=depth,
                    reply_to_name=reply_to_name,
                    author_name=text_normalize(item.author_name)[:name_max]
                    or _("Anonyme"),
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
            )
        Comment.objects.bulk_create(batch)
        for item, comment in zip(levels[level], batch, strict=True):
            by_key[item.key] = comment
            created.add(item.key)
        new += batch
    _counts_add(article, [c for c in new if c.status == CommentStatus.APPROVED])
    if new and cache_refresh:
        _page_changed(article.pk)
    return ImportedThread(comments=by_key, created=created)


def _counts_add(article: ArticlePage, approved: list[Comment]) -> None:
    if not approved:
        return
    latest = max(approved, key=lambda c: (c.created_at, c.pk))
    later = Q(last_comment_at__isnull=True) | Q(last_comment_at__lte=latest.created_at)
    updated = ArticleDiscussion.objects.filter(article_id=article.pk).update(
        comment_count=F("comment_count") + len(approved),
        last_comment_id=Case(
            When(later, then=Value(latest.pk)),
            default=F("last_comment_id"),
            output_field=models.BigIntegerField(),
        ),
        last_comment_at=Case(
            When(later, then=Value(latest.created_at)),
            default=F("last_comment_at"),
            output_field=models.DateTimeField(),
        ),
    )
    if not updated:
        ArticleDiscussion.objects.create(
            article_id=article.pk,
            comment_count=len(approved),
            last_comment_at=latest.created_at,
            last_comment_id=latest.pk,
        )
    replies = Counter(c.parent_id for c in approved if c.parent_id)
    if replies:
        Comment.objects.filter(pk__in=replies).update(
            reply_count=F("reply_count")
            + Case(
                *(When(pk=pk, then=Value(n)) for pk, n in replies.items()),
                output_field=models.PositiveIntegerField(),
            )
        )
