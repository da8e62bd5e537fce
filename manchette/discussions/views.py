"""The reader's side without JavaScript: forms POST here and are redirected back to
the comment's anchor; the small JSON endpoints let JavaScript add what is personal
to the shared, cached article page."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manchette.core.http import reader_post
from manchette.discussions import conf, fragments, notifications, selectors, services
from manchette.discussions.forms import (
    CommentForm,
    EditForm,
    ReportForm,
    form_age_seconds,
    form_started_token,
)
from manchette.discussions.models import Comment
from manchette.discussions.policy import CommentRefused, article_is_open, article_policy
from manchette.discussions.readers import (
    Submission,
    article_or_404,
    comment_or_404,
    identity_cookie_set,
    identity_or_new,
    is_signed_in,
    reader_comment_post,
    request_identity,
)
from manchette.newsroom.models import ArticlePage

logger = logging.getLogger("manchette.discussions")
UNAVAILABLE = _lazy(
    "Le service est momentanément indisponible : votre commentaire n’a pas été "
    "enregistré. Votre texte est conservé ci-dessous ; réessayez dans un instant."
)
NO_STORE = {"Cache-Control": "private, no-store"}


def _render_private(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Pages with the reader's own state: never stored by any cache."""
    response = render(request, template, context, status=status)
    response["Cache-Control"] = NO_STORE["Cache-Control"]
    return response


def posted_comment_url(article: ArticlePage, comment: Comment) -> str:
    """Where a reader who posted goes: their comment, or the notice that it waits."""
    if comment.status == "approved":
        return f"{article.url}#commentaire-{comment.pk}"
    thread = reverse("discussions:thread", args=[article.pk])
    return f"{thread}?attente={comment.pk}#commentaire-{comment.pk}"


def _sort_and_page(request: HttpRequest) -> tuple[str, int]:
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return request.GET.get("tri", selectors.DEFAULT_SORT), min(max(page, 1), 10_000)


# The discussion, outside the cached article ----------------------------------------------------


def discussion_context(
    *, article: ArticlePage, sort: str = selectors.DEFAULT_SORT, page: int = 1
) -> dict[str, Any]:
    """What the discussion block shows (shared by every reader: nothing personal)."""
    policy, days = article_policy(article)
    count, closed = selectors.discussion_row(article_id=article.pk)
    thread = selectors.thread_page(
        article_id=article.pk, sort=sort, page=page, count=count
    )
    selectors.thread_tree(thread.comments)
    return {
        "article": article,
        "thread": thread,
        "is_open": article_is_open(article, close_after_days=days, closed=closed),
        "policy": policy,
        "sorts": [
            ("recents", _("Les plus récents")),
            ("anciens", _("Les plus anciens")),
            ("votes", _("Les mieux notés")),
        ],
        "max_length": conf.get("MAX_LENGTH"),
        "form_started": form_started_token(),
    }


def _fragment_variant(article: ArticlePage, *parts: object) -> str:
    """What, besides the discussion's version, changes the shared fragment: the
    policy (the form's notice), whether the article takes comments by its own flag
    and date (closing by hand changes the version), the language."""
    policy, days = article_policy(article)
    open_by_date = article_is_open(article, close_after_days=days, closed=False)
    return "|".join(map(str, (*parts, policy, int(open_by_date), get_language())))


def _shared_html(template: str, context: dict[str, Any]) -> str:
    # SITE_NAME: the newsroom's name on the comments it signs (no request here).
    return render_to_string(
        template,
        {**context, "personal": False, "SITE_NAME": settings.WAGTAIL_SITE_NAME},
    )


def discussion_block_html(*, article: ArticlePage) -> SafeString:
    """The discussion under an article, as every reader sees it: rendered once per
    change of the discussion (fragments)."""
    html = fragments.cached_render(
        article_id=article.pk,
        variant=_fragment_variant(article, "block"),
        render=lambda: _shared_html(
            "discussions/section.html", discussion_context(article=article)
        ),
    )
    return mark_safe(html)  # noqa: S308 - our own template's output


def _thread_cached_render(*, article: ArticlePage, sort: str, page: int) -> str:
    """Another sort or page of the thread, for "load more", as every reader sees it."""
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    return fragments.cached_render(
        article_id=article.pk,
        variant=_fragment_variant(article, "thread", sort, page),
        render=lambda: _shared_html(
            "discussions/thread_fragment.html",
            discussion_context(article=article, sort=sort, page=page),
        ),
    )


def _thread_response(
    request: HttpRequest,
    article: ArticlePage,
    *,
    form: CommentForm | None = None,
    error: str = "",
    status: int = 200,
    sort: str = selectors.DEFAULT_SORT,
    page: int = 1,
) -> HttpResponse:
    identity = request_identity(request)
    context = discussion_context(article=article, sort=sort, page=page)
    pending = None
    waiting = request.GET.get("attente", "")
    if identity is not None and waiting.isdigit():
        pending = Comment.objects.filter(
            pk=int(waiting), identity=identity, article=article
        ).first()
    editable = set()
    if identity is not None:
        own = [
            c
            for top in context["thread"].comments
            for c in [top, *top.replies]
            if c.identity_id == identity.pk
        ]
        editable = {
            c.pk for c in own if services.comment_is_editable(c, identity=identity)
        }
    context.update(
        form=form,
        error=error,
        pending=pending,
        editable=editable,
        signed_in=is_signed_in(request),
        personal=True,
    )
    template = (
        "discussions/thread_fragment.html"
        if request.GET.get("fragment")
        else "discussions/thread_page.html"
    )
    return _render_private(request, template, context, status=status)


@require_GET
def thread(request: HttpRequest, article_id: int) -> HttpResponseBase:
    """Other sorts and pages of the discussion (uncached: personal controls shown)."""
    article = article_or_404(article_id)
    sort, page = _sort_and_page(request)
    if request.GET.get("fragment") and request_identity(request) is None:
        # Nothing of this reader's own to show: the shared fragment serves.
        return HttpResponse(
            _thread_cached_render(article=article, sort=sort, page=page),
            headers=NO_STORE,
        )
    return _thread_response(request, article, sort=sort, page=page)


def submission_from_form(data: dict[str, Any]) -> Submission:
    """The comment as the reader sent it, from CommentForm's cleaned data."""
    return Submission(
        text=data["texte"],
        name=data["nom"] or "",
        email=data["courriel"] or "",
        consent=bool(data["consentement"]),
        parent_id=data.get("parent"),
        nonce=data["cle"],
        honeypot=data["site_web"],
        form_age_seconds=form_age_seconds(data["debut"]) or 0.0,
        notify=[
            kind
            for kind, wanted in (
                ("article", data["notifier_suivi"]),
                ("replies", data["notifier_reponses"]),
            )
            if wanted
        ],
        frequency=data.get("frequence") or "instant",
    )


@require_POST
@reader_post
def comment_post(request: HttpRequest, article_id: int) -> HttpResponseBase:
    article = article_or_404(article_id)
    signed_in = is_signed_in(request)
    form = CommentForm(request.POST, guest=not signed_in)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        if wants_json(request):
            return JsonResponse({"error": first}, status=400)
        return _thread_response(
            request, article, form=form, error=str(first), status=400
        )
    submission = submission_from_form(form.cleaned_data)
    try:
        comment, identity = reader_comment_post(
            request, article=article, submission=submission
        )
    except CommentRefused as refused:
        if wants_json(request):
            return JsonResponse({"error": refused.message}, status=refused.status)
        return _thread_response(
            request, article, form=form, error=refused.message, status=refused.status
        )
    except DatabaseError:
        logger.exception("comment not saved")
        if wants_json(request):
            return JsonResponse({"error": UNAVAILABLE}, status=503)
        return _render_private(
            request,
            "discussions/thread_page.html",
            {
                "article": article,
                "form": form,
                "error": UNAVAILABLE,
                "unavailable": True,
                "max_length": conf.get("MAX_LENGTH"),
                "form_started": form_started_token(),
                "is_open": True,
            },
            status=503,
        )
    if wants_json(request):
        response: HttpResponse = JsonResponse(posted_json(request, article, comment))
    else:
        response = redirect(posted_comment_url(article, comment))
    return identity_cookie_set(response, identity)


def posted_json(request: HttpRequest, article: ArticlePage, comment: Comment) -> dict:
    """For the inline form: the new comment's HTML when it is published, else the
    notice that it waits for the moderators."""
    published = comment.status == "approved"
    html = ""
    if published:
        comment.children_list = []  # type: ignore[attr-defined]
        html = render_to_string(
            "discussions/comment.html",
            {"comment": comment, "is_open": True, "personal": False},
            request=request,
        )
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "status": comment.status,
        "html": html,
        "url": posted_comment_url(article, comment),
        "message": ""
        if published
        else _(
            "Merci ! Votre commentaire sera publié après relecture par la modération."
        ),
    }


@require_GET
def reply_page(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    comment = comment_or_404(comment_id)
    context = discussion_context(article=comment.article)
    context.update(parent=comment, personal=True)
    return _render_private(request, "discussions/reply_page.html", context)


@require_POST
@reader_post
def comment_vote(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    comment = comment_or_404(comment_id)
    try:
        value = int(request.POST.get("valeur", ""))
    except ValueError:
        value = 99
    try:
        identity = identity_or_new(request)
        comment = services.comment_vote(comment=comment, identity=identity, value=value)
    except CommentRefused as refused:
        return _message_page(request, comment, refused.message, status=refused.status)
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {
                "id": comment.pk,
                "score": comment.score,
                "upvotes": comment.upvotes,
                "downvotes": comment.downvotes,
                "vote": value,
            }
        )
    else:
        response = redirect(f"{comment.article.url}#commentaire-{comment.pk}")
    return identity_cookie_set(response, identity)


@require_http_methods(["GET", "POST"])
@reader_post
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    comment = comment_or_404(comment_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity = identity_or_new(request)
            services.comment_report(
                comment=comment, identity=identity, reason=form.cleaned_data["raison"]
            )
        except CommentRefused as refused:
            return _message_page(
                request, comment, refused.message, status=refused.status
            )
        response = _message_page(
            request,
            comment,
            _("Merci : votre signalement a été transmis à la modération."),
        )
        return identity_cookie_set(response, identity)
    return _action_page(request, comment, action="report", form=form)


@require_http_methods(["GET", "POST"])
@reader_post
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    comment = comment_or_404(comment_id)
    identity = request_identity(request)
    if identity is None or not services.comment_is_editable(comment, identity=identity):
        return _message_page(
            request,
            comment,
            _(
                "Ce commentaire ne peut plus être modifié (délai passé ou réponse reçue)."
            ),
            status=403,
        )
    if request.method == "GET" and wants_json(request):
        return JsonResponse(
            {"id": comment.pk, "text": comment.body_raw}, headers=NO_STORE
        )
    form = EditForm(request.POST or None, initial={"texte": comment.body_raw})
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.comment_edit(
                comment=comment, identity=identity, body=form.cleaned_data["texte"]
            )
        except CommentRefused as refused:
            if wants_json(request):
                return JsonResponse({"error": refused.message}, status=refused.status)
            form.add_error("texte", refused.message)
        else:
            if wants_json(request):
                return JsonResponse({"id": comment.pk, "html": comment.body_html})
            return redirect(posted_comment_url(comment.article, comment))
    if request.method == "POST" and wants_json(request):
        first = next(iter(form.errors.values()))[0]
        return JsonResponse({"error": first}, status=400)
    return _action_page(request, comment, action="edit", form=form)


@require_http_methods(["GET", "POST"])
@reader_post
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    comment = comment_or_404(comment_id)
    identity = request_identity(request)
    if identity is None or comment.identity_id != identity.pk:
        return _message_page(
            request,
            comment,
            _("Vous ne pouvez supprimer que vos propres commentaires."),
            status=403,
        )
    if request.method == "POST":
        try:
            services.comment_delete(comment=comment, identity=identity)
        except CommentRefused as refused:
            return _message_page(
                request, comment, refused.message, status=refused.status
            )
        if wants_json(request):
            return JsonResponse({"id": comment.pk, "deleted": True})
        return redirect(f"{comment.article.url}#commentaires")
    return _action_page(request, comment, action="delete")


def _action_page(
    request: HttpRequest, comment: Comment, *, action: str, form: Any = None
) -> HttpResponse:
    """The small no-JS pages around one comment: report, edit, delete."""
    context = {
        "comment": comment,
        "article": comment.article,
        "form": form,
        "action": action,
        "max_length": conf.get("MAX_LENGTH"),
    }
    status = 400 if form is not None and form.errors else 200
    return _render_private(
        request, "discussions/action_page.html", context, status=status
    )


def _message_page(
    request: HttpRequest, comment: Comment, message: str, *, status: int = 200
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            {"error": message} if status >= 400 else {"message": message}, status=status
        )
    context = {
        "comment": comment,
        "article": comment.article,
        "message": message,
        "action": "message",
    }
    return _render_private(
        request, "discussions/action_page.html", context, status=status
    )


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


# Small JSON endpoints for the script on the cached page -------------------------------------------


@require_GET
def me_json(request: HttpRequest, article_id: int) -> JsonResponse:
    """What is personal on this article's discussion: my name, my votes, the comments
    I may still edit."""
    identity = request_identity(request)
    if identity is None:
        return JsonResponse({"known": False, "votes": {}, "editable": {}})
    own = list(
        Comment.objects.filter(article_id=article_id, identity=identity)
        .exclude(status="deleted")
        .select_related("identity")
        .order_by("-created_at")[:50]
    )
    editable = {
        str(c.pk): services.comment_edit_deadline(c).isoformat()
        for c in own
        if services.comment_is_editable(c, identity=identity)
    }
    votes = selectors.votes_of(
        identity=identity,
        comment_ids=[int(i) for i in request.GET.getlist("id")[:200] if i.isdigit()],
    )
    return JsonResponse(
        {
            "known": True,
            "name": identity.name,
            "signed_in": is_signed_in(request),
            "votes": {str(k): v for k, v in votes.items()},
            "own": [c.pk for c in own],
            "editable": editable,
        },
        headers=NO_STORE,
    )


@require_GET
def count_json(request: HttpRequest, article_id: int) -> JsonResponse:
    """The polling fallback of the live channel: the count and the latest comment."""
    row = selectors.ArticleDiscussion.objects.filter(article_id=article_id).values(
        "comment_count", "last_comment_id"
    ).first() or {"comment_count": 0, "last_comment_id": 0}
    return JsonResponse(
        {"count": row["comment_count"], "last_id": row["last_comment_id"]},
        headers={"Cache-Control": "no-cache"},
    )


@require_GET
def participants_json(request: HttpRequest, article_id: int) -> JsonResponse:
    """The names a reader can mention (« @nom »), latest first: what the thread
    already shows, nothing more. Fetched by the comment box at its first « @ »."""
    article = article_or_404(article_id)
    names = [p.name for p in selectors.thread_participants(article_id=article.pk)]
    return JsonResponse({"names": names}, headers={"Cache-Control": "no-cache"})


# Emailed links ---------------------------------------------------------------------------------
# Each opens a page with a button: mail scanners that follow links confirm nothing.


@require_http_methods(["GET", "POST"])
@csrf_exempt
def confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    if request.method == "POST":
        identity = notifications.identity_confirm(token=token)
        if identity is None:
            return _link_page(
                request, _("Ce lien de confirmation n’est plus valable."), status=400
            )
        response = _link_page(
            request,
            _(
                "Merci : votre adresse est confirmée. Vous recevrez les nouvelles demandées."
            ),
        )
        return identity_cookie_set(response, identity)
    return _link_page(
        request,
        _("Confirmez votre adresse pour recevoir les nouvelles de la discussion."),
        button=_("Confirmer mon adresse"),
    )


@require_http_methods(["GET", "POST"])
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponseBase:
    """One click (RFC 8058: the mailbox provider POSTs here) or one button."""
    subscription = notifications.subscription_from_token(token)
    if subscription is None:
        return _link_page(request, _("Vous ne recevez plus ces messages."))
    if request.method == "POST":
        notifications.subscription_cancel(subscription=subscription)
        return _link_page(
            request, _("C’est fait : vous ne recevrez plus ces messages.")
        )
    return _link_page(
        request,
        _("Ne plus recevoir de nouvelles de cette discussion ?"),
        button=_("Me désabonner"),
    )


@require_http_methods(["GET", "POST"])
@csrf_exempt
def review(request: HttpRequest, token: str) -> HttpResponseBase:
    comment = notifications.comment_from_review_token(token)
    if comment is None or comment.identity is None:
        return _link_page(request, _("Ce lien n’est plus valable."), status=400)
    if request.method == "POST":
        try:
            services.comment_review_request(
                comment=comment,
                identity=comment.identity,
                text=request.POST.get("texte", ""),
            )
        except CommentRefused as refused:
            return _link_page(request, refused.message, status=refused.status)
        return _link_page(
            request, _("Votre demande de réexamen a été transmise à la modération.")
        )
    return _link_page(
        request,
        _("Expliquez pourquoi votre commentaire devrait être rétabli."),
        button=_("Demander un réexamen"),
        with_text=True,
    )


def _link_page(
    request: HttpRequest,
    message: str,
    *,
    button: str = "",
    with_text: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {"message": message, "button": button, "with_text": with_text}
    return _render_private(
        request, "discussions/link_page.html", context, status=status
    )
