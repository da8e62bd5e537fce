"""Who is asking, for the HTML views and the JSON API alike: the reader's identity
(their account when signed in, else the signed cookie), and the steps of posting a
comment from a request that both share."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from manchette.core.http import client_ip
from manchette.discussions import conf, notifications, selectors, services
from manchette.discussions.models import Comment, Identity
from manchette.discussions.policy import CommentRefused, reader_actions_rate_check
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
        identity = (
            Identity.objects.select_related("user").filter(token=token).first()
            if token
            else None
        )
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


def article_or_404(article_id: int) -> ArticlePage:
    if not 0 < article_id <= MAX_ID:
        raise Http404
    # The discussion needs the article's place, title, date and flags (policy,
    # closing, its address): the page's other eighty columns cost more to read than
    # the rest of a post.
    article = (
        ArticlePage.objects.live()
        .public()
        .only(*DISCUSSION_FIELDS)
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404
    return article


def article_url_path_or_404(article_id: int) -> str:
    """Whether readers may see this article, in a light read (no page object): its
    path, which the article's address follows."""
    if not 0 < article_id <= MAX_ID:
        raise Http404
    url_path = (
        ArticlePage.objects.live()
        .public()
        .filter(pk=article_id)
        .values_list("url_path", flat=True)
        .first()
    )
    if url_path is None:
        raise Http404
    return url_path


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
    « Me notifier des … » choices. Raises CommentRefused with a French message."""
    signed_in = is_signed_in(request)
    identity = request_identity(request)
    if not signed_in:
        identity = services.identity_for_guest(
            identity=identity, name=submission.name.strip(), email=submission.email
        )
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
    assert identity is not None
    comment = services.comment_post(
        article=article,
        parent=parent,
        identity=identity,
        body=submission.text,
        ip=client_ip(request),
        nonce=submission.nonce,
        honeypot=submission.honeypot,
        form_age_seconds=submission.form_age_seconds,
    )
    notifications.subscriptions_request(
        identity=identity,
        article=article,
        kinds=submission.notify,
        ip=client_ip(request),
        frequency=submission.frequency,
    )
    return comment, identity
