"""The discussions as JSON (django-ninja), with its OpenAPI schema at
/api/discussions/openapi.json. The same rules as the HTML forms: the reader is known by
their session or the signed cookie, authorisation comes from the database, writes
from a browser must come from this site, rate limits and idempotency keys hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, NinjaAPI, Query, Schema, Status
from ninja.errors import ValidationError

from manchette.core.http import same_origin
from manchette.discussions import conf, fragments, selectors, services
from manchette.discussions.forms import form_age_seconds
from manchette.discussions.models import Comment, ReportReason
from manchette.discussions.policy import CommentRefused
from manchette.discussions.readers import (
    Submission,
    article_or_404,
    article_url_path_or_404,
    comment_or_404,
    guest_details_check,
    identity_cookie_set,
    identity_or_new,
    is_signed_in,
    reader_comment_post,
    request_identity,
)

api = NinjaAPI(
    # nested in the app's own namespace (urls.py has app_name = "discussions")
    urls_namespace="discussions:discussions-api",
    title="Manchette — discussions",
    version="1",
    description="Lire et écrire les commentaires sous les articles.",
    # The interactive docs would load their scripts from a CDN: none here.
    docs_url=None,
)


class ErrorOut(Schema):
    error: str


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int
    status: str
    author: str
    badge: str
    reply_to: str
    html: str
    created_at: datetime
    edited: bool
    pinned: bool
    editors_pick: bool
    upvotes: int
    downvotes: int
    score: int
    url: str


class ThreadCommentOut(CommentOut):
    replies: list[CommentOut]


class ThreadOut(Schema):
    article_id: int
    count: int
    sort: str
    page: int
    has_next: bool
    comments: list[ThreadCommentOut]


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=conf.get("MAX_LENGTH"))
    name: str = Field("", max_length=conf.get("NAME_MAX_LENGTH"))
    email: str = Field("", max_length=254)
    consent: bool = False
    notify_followups: bool = False
    notify_replies: bool = False
    notify_frequency: Literal["instant", "daily"] = "instant"
    idempotency_key: str = Field("", max_length=64)
    form_started: str = Field("", max_length=200)


class EditIn(Schema):
    text: str = Field(..., min_length=1, max_length=conf.get("MAX_LENGTH"))


class VoteIn(Schema):
    value: Literal[-1, 0, 1]


class VoteOut(Schema):
    id: int
    score: int
    upvotes: int
    downvotes: int
    vote: int


class ReportIn(Schema):
    reason: Literal[tuple(ReportReason.values)]  # type: ignore[valid-type]


class MessageOut(Schema):
    message: str


class DeletedOut(Schema):
    id: int
    deleted: bool


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
Sort = Literal["recents", "anciens", "votes"]


@api.exception_handler(CommentRefused)
def _refused(request: HttpRequest, refused: CommentRefused) -> HttpResponse:
    return api.create_response(
        request, {"error": refused.message}, status=refused.status
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"error": _("Ce commentaire ou cet article n’existe pas.")}, status=404
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"error": _("Requête incomplète ou mal formée.")}, status=400
    )


def _origin_check(request: HttpRequest) -> None:
    """A write from a browser must come from one of our pages (as reader_post)."""
    if not same_origin(request):
        raise CommentRefused(
            _("Requête refusée : elle ne vient pas de ce site."), status=403
        )


def _comment_out(comment: Comment, *, article_url: str) -> dict:
    placeholder = comment.is_placeholder
    identity = comment.identity if comment.identity_id else None
    badge = "staff" if comment.as_newsroom else (identity.trust if identity else "new")
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "status": comment.status,
        "author": ""
        if placeholder
        else (
            settings.WAGTAIL_SITE_NAME if comment.as_newsroom else comment.author_name
        ),
        "badge": "" if placeholder else badge,
        "reply_to": comment.reply_to_name,
        "html": "" if placeholder else comment.body_html,
        "created_at": comment.created_at,
        "edited": comment.is_edited,
        "pinned": comment.is_pinned,
        "editors_pick": comment.is_editors_pick,
        "upvotes": comment.upvotes,
        "downvotes": comment.downvotes,
        "score": comment.score,
        "url": f"{article_url}#commentaire-{comment.pk}",
    }


@api.get(
    "/articles/{article_id}/comments",
    response={200: ThreadOut, 404: ErrorOut, 400: ErrorOut},
    summary="Une page de la discussion d’un article",
)
def thread_list(
    request: HttpRequest,
    article_id: int,
    sort: Query[Sort] = "recents",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
):
    """Top-level comments, newest first by default (pinned first in every sort),
    each with its replies in conversation order; `has_next` tells whether page+1
    exists."""
    url_path = article_url_path_or_404(article_id)  # the full page only on a miss
    body = fragments.cached_render(
        article_id=article_id,
        variant=f"api|{sort}|{page}|{url_path}",
        render=lambda: _thread_json(
            request, article_id, article_or_404(article_id).url, sort=sort, page=page
        ),
    )
    return HttpResponse(body, content_type=api.get_content_type())


def _thread_json(
    request: HttpRequest, article_id: int, url: str, *, sort: str, page: int
) -> str:
    """The page as its schema says, rendered once per change of the discussion."""
    thread = selectors.thread_page(article_id=article_id, sort=sort, page=page)
    comments = [
        {
            **_comment_out(top, article_url=url),
            "replies": [
                _comment_out(reply, article_url=url)
                for reply in top.replies  # type: ignore[attr-defined]
            ],
        }
        for top in thread.comments
    ]
    data = {
        "article_id": article_id,
        "count": thread.count,
        "sort": thread.sort,
        "page": thread.page,
        "has_next": thread.has_next,
        "comments": comments,
    }
    return str(
        api.renderer.render(
            request, ThreadOut.model_validate(data).model_dump(), response_status=200
        )
    )


def _post(
    request: HttpRequest,
    response: HttpResponse,
    *,
    article,
    payload: CommentIn,
    parent_id: int | None,
    key_header: str | None,
):
    _origin_check(request)
    email = payload.email.strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise CommentRefused(
                _("Cette adresse de courriel n’est pas valide.")
            ) from None
    submission = Submission(
        text=payload.text,
        name=payload.name,
        email=email,
        consent=payload.consent,
        parent_id=parent_id,
        nonce=(key_header or payload.idempotency_key)[:64],
        form_age_seconds=form_age_seconds(payload.form_started)
        if payload.form_started
        else None,
        notify=[
            kind
            for kind, wanted in (
                ("article", payload.notify_followups),
                ("replies", payload.notify_replies),
            )
            if wanted
        ],
        frequency=payload.notify_frequency,
    )
    if not is_signed_in(request):
        guest_details_check(submission)
    comment, identity = reader_comment_post(
        request, article=article, submission=submission
    )
    identity_cookie_set(response, identity)
    return Status(201, _comment_out(comment, article_url=article.url))


@api.post(
    "/articles/{article_id}/comments",
    response={201: CommentOut, **ERRORS},
    summary="Poster un commentaire",
)
def comment_create(
    request: HttpRequest,
    response: HttpResponse,
    article_id: int,
    payload: CommentIn,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=64)
    ] = None,
):
    """Guests give a name and their consent (`consent: true`); the email is never
    shown. A comment held for moderation comes back with `status: "pending"`. The
    same idempotency key (header or field) with the same text gives the same
    comment."""
    article = article_or_404(article_id)
    return _post(
        request,
        response,
        article=article,
        payload=payload,
        parent_id=None,
        key_header=idempotency_key,
    )


@api.post(
    "/comments/{comment_id}/replies",
    response={201: CommentOut, **ERRORS},
    summary="Répondre à un commentaire",
)
def comment_reply(
    request: HttpRequest,
    response: HttpResponse,
    comment_id: int,
    payload: CommentIn,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=64)
    ] = None,
):
    """The reply belongs to the article of the comment answered, as the database
    says."""
    parent = comment_or_404(comment_id)
    return _post(
        request,
        response,
        article=article_or_404(parent.article_id),
        payload=payload,
        parent_id=parent.pk,
        key_header=idempotency_key,
    )


@api.post(
    "/comments/{comment_id}/vote",
    response={200: VoteOut, **ERRORS},
    summary="Voter pour ou contre (0 retire le vote)",
)
def comment_vote(
    request: HttpRequest, response: HttpResponse, comment_id: int, payload: VoteIn
):
    _origin_check(request)
    comment = comment_or_404(comment_id)
    identity = identity_or_new(request)
    comment = services.comment_vote(
        comment=comment, identity=identity, value=payload.value
    )
    identity_cookie_set(response, identity)
    return {
        "id": comment.pk,
        "score": comment.score,
        "upvotes": comment.upvotes,
        "downvotes": comment.downvotes,
        "vote": payload.value,
    }


@api.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, **ERRORS},
    summary="Modifier son commentaire",
)
def comment_edit(request: HttpRequest, comment_id: int, payload: EditIn):
    """Only its author, within the edit window and before any reply."""
    _origin_check(request)
    comment = comment_or_404(comment_id)
    identity = request_identity(request)
    if identity is None:
        raise CommentRefused(
            _(
                "Ce commentaire ne peut plus être modifié (délai passé ou réponse reçue)."
            ),
            status=403,
        )
    edited = services.comment_edit(
        comment=comment, identity=identity, body=payload.text
    )
    return _comment_out(edited, article_url=comment.article.url)


@api.delete(
    "/comments/{comment_id}",
    response={200: DeletedOut, **ERRORS},
    summary="Supprimer son commentaire",
)
def comment_delete(request: HttpRequest, comment_id: int):
    _origin_check(request)
    comment = comment_or_404(comment_id)
    identity = request_identity(request)
    if identity is None:
        raise CommentRefused(
            _("Vous ne pouvez supprimer que vos propres commentaires."), status=403
        )
    services.comment_delete(comment=comment, identity=identity)
    return {"id": comment.pk, "deleted": True}


@api.post(
    "/comments/{comment_id}/reports",
    response={202: MessageOut, **ERRORS},
    summary="Signaler un commentaire à la modération",
)
def comment_report(
    request: HttpRequest, response: HttpResponse, comment_id: int, payload: ReportIn
):
    _origin_check(request)
    comment = comment_or_404(comment_id)
    identity = identity_or_new(request)
    services.comment_report(comment=comment, identity=identity, reason=payload.reason)
    identity_cookie_set(response, identity)
    return Status(
        202, {"message": _("Merci : votre signalement a été transmis à la modération.")}
    )
