"""Reads of the discussions. A thread page takes the same few queries whatever the
number of comments: the counts row, one page of top-level comments, their replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from manchette.discussions import conf
from manchette.discussions.models import (
    PLACEHOLDER_STATUSES,
    ArticleDiscussion,
    Comment,
    CommentStatus,
    Identity,
    Vote,
)
from manchette.discussions.rendering import Participant, name_fold
from manchette.newsroom.models import ArticlePage, SectionPage

SORTS = {
    "recents": ("-is_pinned", "-created_at", "-pk"),
    "anciens": ("-is_pinned", "created_at", "pk"),
    "votes": ("-is_pinned", "-score", "-created_at", "-pk"),
}
DEFAULT_SORT = "recents"
# In the thread: published comments, and the removed ones that keep their replies.
IN_THREAD = Q(status=CommentStatus.APPROVED) | Q(
    status__in=PLACEHOLDER_STATUSES, reply_count__gt=0
)


@dataclass
class ThreadPage:
    article_id: int
    count: int
    sort: str
    page: int
    has_next: bool
    comments: list[Comment] = field(default_factory=list)

    @property
    def next_page(self) -> int:
        return self.page + 1


def discussion_row(*, article_id: int) -> tuple[int, bool]:
    """(approved comments, closed by hand) in one read."""
    row = (
        ArticleDiscussion.objects.filter(article_id=article_id)
        .values_list("comment_count", "closed")
        .first()
    )
    return row or (0, False)


def comment_count(*, article_id: int) -> int:
    return (
        ArticleDiscussion.objects.filter(article_id=article_id)
        .values_list("comment_count", flat=True)
        .first()
        or 0
    )


def _thread_queryset() -> QuerySet[Comment]:
    return Comment.objects.select_related("identity").defer(
        "body_raw", "author_email", "ip", "signals", "removal_reason", "review_text"
    )


def thread_page(
    *,
    article_id: int,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int | None = None,
    count: int | None = None,
) -> ThreadPage:
    """One page of top-level comments, each with `.replies` (every visible reply of
    its thread, in conversation order, depth first)."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    page = max(1, page)
    per_page = per_page or conf.get("PER_PAGE")
    start = (page - 1) * per_page
    if count == 0:  # nothing approved: no thread (placeholders only stay for replies)
        return ThreadPage(article_id, 0, sort, page, has_next=False)
    top = list(
        _thread_queryset()
        .filter(IN_THREAD, article_id=article_id, depth=0)
        .order_by(*SORTS[sort])[start : start + per_page + 1]
    )
    has_next = len(top) > per_page
    top = top[:per_page]
    replies_by_parent: dict[int, list[Comment]] = {}
    if top:
        for reply in (
            _thread_queryset()
            .filter(IN_THREAD, root_id__in=[c.pk for c in top])
            .order_by("created_at", "pk")
        ):
            replies_by_parent.setdefault(reply.parent_id or 0, []).append(reply)
    for comment in top:
        comment.replies = _depth_first(comment.pk, replies_by_parent)  # type: ignore[attr-defined]
    return ThreadPage(
        article_id=article_id,
        count=comment_count(article_id=article_id) if count is None else count,
        sort=sort,
        page=page,
        has_next=has_next,
        comments=top,
    )


def _depth_first(parent_id: int, children: dict[int, list[Comment]]) -> list[Comment]:
    ordered = []
    stack = list(reversed(children.get(parent_id, [])))
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(children.get(comment.pk, [])))
    return ordered


def thread_tree(comments: list[Comment]) -> list[Comment]:
    """The same replies nested: `.children_list` on each comment, for templates."""
    for top in comments:
        by_parent: dict[int, list[Comment]] = {}
        for reply in top.replies:  # type: ignore[attr-defined]
            by_parent.setdefault(reply.parent_id, []).append(reply)
        for node in [top, *top.replies]:  # type: ignore[attr-defined]
            node.children_list = by_parent.get(node.pk, [])
    return comments


def comment_counts_for_articles(article_ids: list[int]) -> dict[int, int]:
    return dict(
        ArticleDiscussion.objects.filter(article_id__in=article_ids).values_list(
            "article_id", "comment_count"
        )
    )


def article_comment_counts_annotate(articles: list[ArticlePage]) -> None:
    """Card annotator: `comment_count` on every card, in one query."""
    counts = comment_counts_for_articles([a.pk for a in articles])
    for article in articles:
        article.comment_count = counts.get(article.pk, 0)


def votes_of(*, identity: Identity, comment_ids: list[int]) -> dict[int, int]:
    return dict(
        Vote.objects.filter(identity=identity, comment_id__in=comment_ids).values_list(
            "comment_id", "value"
        )
    )


def comments_of_identity(*, identity: Identity) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(identity=identity)
        .exclude(status=CommentStatus.DELETED)
        .select_related("article")
        .order_by("-created_at")
    )


def comment_get_for_article(*, comment_id: int) -> Comment | None:
    return (
        Comment.objects.select_related("article", "identity")
        .filter(pk=comment_id)
        .first()
    )


def personal_data_export(*, email: str) -> dict:
    """Everything the discussions keep about an address (GDPR art. 15 and 20), as
    plain data: the identities, every comment with its earlier versions, and the
    subscriptions."""
    from django.db.models import Prefetch, Q

    from manchette.discussions.models import CommentRevision, Subscription
    from manchette.discussions.rendering import email_hash

    digest = email_hash(email)
    identities = list(Identity.objects.filter(email_hash=digest).order_by("pk"))
    comments = (
        Comment.objects.filter(
            Q(identity__email_hash=digest) | Q(author_email__iexact=email.strip())
        )
        .select_related("article")
        .prefetch_related(
            Prefetch(
                "revisions", queryset=CommentRevision.objects.order_by("created_at")
            )
        )
        .order_by("created_at", "pk")
    )
    subscriptions = Subscription.objects.filter(identity__in=identities).select_related(
        "article"
    )
    return {
        "email": email.strip(),
        "identities": [
            {
                "name": i.name,
                "email_confirmed_at": i.email_confirmed_at,
                "trust": i.trust,
                "created_at": i.created_at,
                "banned_at": i.banned_at,
            }
            for i in identities
        ],
        "comments": [
            {
                "id": c.pk,
                "article": c.article.title,
                "url": f"{c.article.url}#commentaire-{c.pk}",
                "in_reply_to": c.parent_id,
                "name": c.author_name,
                "email": c.author_email,
                "site": c.author_url,
                "ip": c.ip,
                "text": c.body_raw,
                "status": c.status,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "upvotes": c.upvotes,
                "downvotes": c.downvotes,
                "earlier_versions": [
                    {"text": r.body_raw, "created_at": r.created_at}
                    for r in c.revisions.all()
                ],
            }
            for c in comments
        ],
        "subscriptions": [
            {
                "article": s.article.title,
                "kind": s.kind,
                "frequency": s.frequency,
                "confirmed_at": s.confirmed_at,
            }
            for s in subscriptions
        ],
    }


def subscriptions_of_identity(*, identity: Identity) -> QuerySet:
    from manchette.discussions.models import Subscription

    return (
        Subscription.objects.filter(identity=identity)
        .select_related("article")
        .order_by("-created_at")
    )


def article_ids_most_commented(
    *, since: datetime, section: SectionPage | None = None, limit: int = 5
) -> list[tuple[int, int]]:
    """(article id, comments published since) for the most commented live articles,
    most first: the "Les plus commentés" rankings."""
    articles = ArticlePage.objects.live().public()
    if section is not None:
        articles = articles.descendant_of(section)
    rows = (
        Comment.objects.filter(
            status=CommentStatus.APPROVED,
            created_at__gte=since,
            article__in=articles.values("pk"),
        )
        .values("article_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "article_id")[:limit]
    )
    return [(row["article_id"], row["count"]) for row in rows]


def moderation_queue_waiting() -> dict[str, int]:
    """How many comments wait for a moderator, and for how long the oldest has."""
    waiting = Comment.objects.filter(status=CommentStatus.PENDING)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    minutes = int((timezone.now() - oldest).total_seconds() // 60) if oldest else 0
    return {"count": waiting.count(), "oldest_minutes": minutes}


def thread_participants(*, article_id: int) -> list[Participant]:
    """Who can be mentioned in an article's thread: the names under its published
    comments (not those written as the newsroom, which shows no name), each with its
    latest comment; most recent first. Names that differ only by case or accents are
    one person, the latest to write under it. One query."""
    latest = (
        Comment.objects.filter(
            article_id=article_id, status=CommentStatus.APPROVED, as_newsroom=False
        )
        .values("author_name")
        .annotate(latest=Max("pk"))
        .values_list("latest", flat=True)
    )
    rows = (
        Comment.objects.filter(pk__in=latest)
        .order_by("-pk")
        .values_list("author_name", "pk", "identity_id")
    )
    participants: dict[str, Participant] = {}
    for name, pk, identity_id in rows:
        participants.setdefault(name_fold(name), Participant(name, pk, identity_id))
    return [p for key, p in participants.items() if key]


@dataclass
class DayCount:
    day: date
    published: int = 0
    waiting: int = 0
    set_aside: int = 0  # refused, spam, removed or deleted by their author

    @property
    def counts(self) -> list[int]:
        return [self.published, self.waiting, self.set_aside]


def comments_per_day(*, days: int = 30) -> list[DayCount]:
    """Comments received on each of the last `days` days (the newsroom's days, today
    last), by what became of them: one query whatever their number."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    rows = (
        Comment.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(
            total=Count("pk"),
            published=Count("pk", filter=Q(status=CommentStatus.APPROVED)),
            waiting=Count("pk", filter=Q(status=CommentStatus.PENDING)),
        )
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        if row is None:
            result.append(DayCount(day))
            continue
        result.append(
            DayCount(
                day,
                published=row["published"],
                waiting=row["waiting"],
                set_aside=row["total"] - row["published"] - row["waiting"],
            )
        )
    return result


def most_commented_with_titles(
    *, periods: dict[str, datetime], limit: int = 5
) -> dict[str, list[tuple[int, str, int]]]:
    """For each named period (its start), the most commented live articles as
    (article id, title, comments published since): one ranking query per period and
    one for all the titles."""
    rankings = {
        name: article_ids_most_commented(since=since, limit=limit)
        for name, since in periods.items()
    }
    ids = {pk for ranking in rankings.values() for pk, _count in ranking}
    titles = dict(ArticlePage.objects.filter(pk__in=ids).values_list("pk", "title"))
    return {
        name: [(pk, titles.get(pk, ""), count) for pk, count in ranking]
        for name, ranking in rankings.items()
    }
