"""The moderation queue in the Wagtail admin: what needs a decision first, with the
signals that explain why, bulk decisions, and who decided what."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from manchette.discussions import selectors, services
from manchette.discussions.models import (
    Comment,
    CommentStatus,
    ModerationAction,
    ModerationDecision,
)
from manchette.discussions.policy import SIGNAL_LABELS

PERMISSION = "discussions.change_comment"
QUEUE_ORDERS = {
    "anciens": ("created_at", "pk"),
    "signales": ("-report_count", "created_at", "pk"),
}
BULK_ACTIONS = [
    (ModerationAction.APPROVE, _("Publier")),
    (ModerationAction.REJECT, _("Refuser")),
    (ModerationAction.SPAM, _("Indésirable")),
    (ModerationAction.REMOVE, _("Retirer (motif envoyé à l’auteur)")),
    (ModerationAction.BAN, _("Bannir l’auteur")),
    (ModerationAction.HOLD, _("Retenir (dépublier)")),
    (ModerationAction.PIN, _("Épingler")),
    (ModerationAction.PICK, _("Choix de la rédaction")),
]
STATUS_VIEWS = {
    "attente": CommentStatus.PENDING,
    "publies": CommentStatus.APPROVED,
    "reexamen": CommentStatus.REMOVED,
}
PER_PAGE = 50


def waiting_label(minutes: int) -> str:
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes < 24 * 60:
        return _("%(h)d h %(m)02d") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d j %(h)d h") % {"d": minutes // 1440, "h": minutes % 1440 // 60}


def moderation_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        return _decide(request)
    order = request.GET.get("ordre", "anciens")
    view = request.GET.get("etat", "attente")
    comments = Comment.objects.filter(
        status=STATUS_VIEWS.get(view, CommentStatus.PENDING)
    )
    if view == "reexamen":
        comments = comments.filter(review_requested_at__isnull=False)
    comments = (
        comments.select_related("article", "identity")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=ModerationDecision.objects.select_related("moderator"),
            ),
            "revisions",
        )
        .order_by(*QUEUE_ORDERS.get(order, QUEUE_ORDERS["anciens"]))[:PER_PAGE]
    )
    waiting = selectors.moderation_queue_waiting()
    rows = [
        {
            "comment": c,
            "signals": [SIGNAL_LABELS.get(s, s) for s in c.signals],
        }
        for c in comments
    ]
    return render(
        request,
        "discussions/admin/queue.html",
        {
            "header_title": _("Modération des commentaires"),
            "page_title": _("Modération des commentaires"),
            "header_icon": "comment",
            "rows": rows,
            "order": order,
            "view": view,
            "actions": BULK_ACTIONS,
            "waiting": waiting["count"],
            "waiting_for": waiting_label(waiting["oldest_minutes"]),
        },
    )


def _decide(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    reason = request.POST.get("raison", "").strip()
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if action not in dict(BULK_ACTIONS) or not ids:
        messages.error(request, _("Choisissez des commentaires et une décision."))
        return redirect(request.get_full_path())
    if action == ModerationAction.REMOVE and not reason:
        messages.error(
            request, _("Un retrait doit être motivé : l’auteur reçoit le motif.")
        )
        return redirect(request.get_full_path())
    for comment in Comment.objects.filter(pk__in=ids):
        services.comment_moderate(
            comment=comment, moderator=request.user, action=action, reason=reason
        )
    messages.success(request, _("%(n)d commentaire(s) traité(s).") % {"n": len(ids)})
    return redirect(request.get_full_path())
