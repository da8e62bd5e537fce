"""Who is asking, for the HTML views and the JSON API alike: the reader's identity
(their account when signed in, else the signed cookie), and the steps of posting a
comment from a request that both share."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from wagtail.models import Page, PageViewRestriction

from manchette.core.db import (
    commit_without_waiting_for_disk,
    instance_first,
    instances_read,
)
from manchette.core.http import client_ip
from manchette.discussions import conf, notifications, selectors, services
from manchette.discussions.models import ArticleDiscussion, Comment, Identity
from manchette.discussions.policy import (
    CLOSED_ANNOTATION,
    CommentRefused,
    reader_actions_rate_check,
)
from manchette.newsroom.models import ArticlePage

COOKIE_SALT = "discussions.identity"


def request_identity(request: HttpRequest) -> Identity | None:
    """The reader's identity: their account when signed in, else the signed cookie."""
    if hasattr(request, "_discussions_identity"):
        cached: Identity | None = request._discussions_identity
        return cached
    identity: Identity | None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        identity = services.identity_for_user(user=user)
    else:
        token = request.get_signed_cookie(
            conf.get("COOKIE_NAME"), default=None, salt=COOKIE_SALT
        )
        identity = instance_first(Identity, "token = %s", [token]) if token else None
    request._discussions_identity = identity  # type: ignore[attr-defined]
    return identity


def identity_cookie_set(
    response: HttpResponseBase, identity: Identity
) -> HttpResponseBase:
    response.set_signed_cookie(
        conf.get("COOKIE_NAME"),
        identity.token,
        salt=COOKIE_SALT,
        max_age=conf.get("COOKIE_MAX_AGE"),
        httponly=True,
        samesite="Lax",
        secure=settings.HTTPS,
    )
    return response


def is_signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def identity_or_new(request: HttpRequest) -> Identity:
    """For a vote or a report: a reader seen for the first time gets an identity
    (and its cookie), within the per-address limit on such actions."""
    reader_actions_rate_check(ip=client_ip(request))
    identity = request_identity(request)
    return identity if identity is not None else services.identity_create()


# Ids beyond a 64-bit integer name nothing (and SQLite refuses them in a query).
MAX_ID = 2**63 - 1
DISCUSSION_FIELDS = (
    "path",
    "depth",
    "url_path",
    "title",
    "live",
    "first_published_at",
    "comments_closed",
)

# What article_or_404 reads: the page's and the article's columns, in this order,
# then whether its discussion was closed by hand.
ARTICLE_COLUMNS = (
    "id",
    "page_ptr_id",
    "comments_closed",
    *(name for name in DISCUSSION_FIELDS if name != "comments_closed"),
)
ARTICLE_SELECT = ", ".join(
    [
        "p.id",
        "a.page_ptr_id",
        "a.comments_closed",
        *(f"p.{name}" for name in ARTICLE_COLUMNS[3:]),
        f"COALESCE(d.closed, %s) AS {CLOSED_ANNOTATION}",
    ]
)


@functools.cache
def article_sql(columns: str, *, with_discussion: bool = False) -> str:
    """The article by id, when readers may see it: live, and under no view
    restriction (on itself or a page above it). Written in SQL: every post and every
    API page read asks, and building the same query with the ORM (Wagtail's
    `public()` first reads every restriction) cost more than the rest of a post's
    reads. `columns` may name the page's (p), the article's (a) and, `with_discussion`,
    its discussion row's (d) columns."""
    table = connection.ops.quote_name
    page, restriction = (
        table(Page._meta.db_table),
        table(PageViewRestriction._meta.db_table),
    )
    joins = [f"JOIN {table(ArticlePage._meta.db_table)} a ON a.page_ptr_id = p.id"]
    if with_discussion:
        joins.append(
            f"LEFT JOIN {table(ArticleDiscussion._meta.db_table)} d ON d.article_id = p.id"
        )
    restricted = (
        f"SELECT 1 FROM {restriction} r JOIN {page} rp ON rp.id = r.page_id"  # noqa: S608 - names from the models
        " WHERE rp.path = SUBSTR(p.path, 1, LENGTH(rp.path))"
    )
    return (
        f"SELECT {columns} FROM {page} p {' '.join(joins)}"  # noqa: S608 - names from the models
        f" WHERE p.id = %s AND p.live AND NOT EXISTS ({restricted})"
    )


def article_or_404(article_id: int) -> ArticlePage:
    if not 0 < article_id <= MAX_ID:
        raise Http404
    # The discussion needs the article's place, title, date and flags (policy,
    # closing, its address), and its discussion's "closed" flag: the page's other
    # eighty columns cost more to read than the rest of a post.
    found = instances_read(
        ArticlePage,
        article_sql(ARTICLE_SELECT, with_discussion=True),
        [False, article_id],
        columns=ARTICLE_COLUMNS,
        extra=[CLOSED_ANNOTATION],
    )
    if not found:
        raise Http404
    return found[0]


def article_url_path_or_404(article_id: int) -> str:
    """Whether readers may see this article, in a light read (no page object): its
    path, which the article's address follows."""
    if not 0 < article_id <= MAX_ID:
        raise Http404
    with connection.cursor() as cursor:
        cursor.execute(article_sql("p.url_path"), [article_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return str(row[0])


def comment_or_404(comment_id: int) -> Comment:
    if not 0 < comment_id <= MAX_ID:
        raise Http404
    comment = selectors.comment_get_for_article(comment_id=comment_id)
    if comment is None or not comment.article.live:
        raise Http404
    return comment


@dataclass
class Submission:
    """A comment as a reader sent it, from the form or the API."""

    text: str
    name: str = ""
    email: str = ""
    consent: bool = False
    parent_id: int | None = None
    nonce: str = ""
    honeypot: str = ""
    form_age_seconds: float | None = None
    notify: list[str] = field(default_factory=list)
    frequency: str = "instant"  # or "daily": one digest a day


def guest_details_check(submission: Submission) -> None:
    """What a guest must give (the form checks the same, field by field)."""
    if not submission.name.strip():
        raise CommentRefused(
            _("Indiquez le nom sous lequel publier votre commentaire.")
        )
    if not submission.consent:
        raise CommentRefused(
            _(
                "Cochez la case pour accepter que votre nom et votre courriel soient conservés."
            )
        )
    if submission.notify and not submission.email:
        raise CommentRefused(_("Indiquez votre courriel pour être prévenu."))


def reader_comment_post(
    request: HttpRequest, *, article: ArticlePage, submission: Submission
) -> tuple[Comment, Identity]:
    """Post (or reply) for the reader behind the request, then record their
    « Me notifier des … » choices, in one transaction (one commit: a guest's new
    name or address is not kept for a comment that was refused). Raises
    CommentRefused with a French message."""
    signed_in = is_signed_in(request)
    identity = request_identity(request)
    parent = None
    if submission.parent_id:
        parent = (
            Comment.objects.filter(pk=submission.parent_id).first()
            if 0 < submission.parent_id <= MAX_ID
            else None
        )
        if parent is None:
            raise CommentRefused(
                _("Le commentaire auquel vous répondez n’existe plus.")
            )
    ip = client_ip(request)
    with transaction.atomic():
        # Waiting for the disk was the largest part of a post; a database crash in
        # that fraction of a second loses the comment, never half of it.
        commit_without_waiting_for_disk()
        if not signed_in:
            identity = services.identity_for_guest(
                identity=identity, name=submission.name.strip(), email=submission.email
            )
        assert identity is not None
        comment = services.comment_post(
            article=article,
            parent=parent,
            identity=identity,
            body=submission.text,
            ip=ip,
            nonce=submission.nonce,
            honeypot=submission.honeypot,
            form_age_seconds=submission.form_age_seconds,
        )
        notifications.subscriptions_request(
            identity=identity,
            article=article,
            kinds=submission.notify,
            ip=ip,
            frequency=submission.frequency,
        )
    return comment, identity
