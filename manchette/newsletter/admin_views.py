"""Editors' pages in the Wagtail admin: an edition's dashboard (preview, test send,
scheduling, sending with live progress, figures) and the lists' growth."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from manchette.newsletter import selectors, services
from manchette.newsletter.emails import (
    PREFERENCES_SLOT,
    UNSUBSCRIBE_SLOT,
    edition_render,
)
from manchette.newsletter.models import Edition, NewsletterList


def _edition_for_editor(
    request: HttpRequest, pk: int, *, change: bool = False
) -> Edition:
    perm = "newsletter.change_edition" if change else "newsletter.view_edition"
    if not request.user.has_perm(perm):
        raise PermissionDenied
    return get_object_or_404(Edition.objects.select_related("newsletter_list"), pk=pk)


def edition_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition_for_editor(request, pk)
    return render(
        request,
        "newsletter/admin/dashboard.html",
        {
            "edition": edition,
            "progress": selectors.edition_progress(edition=edition),
            "stats": selectors.edition_stats(edition=edition),
            "subscriber_count": edition.newsletter_list.subscriptions.count(),
            "now": timezone.localtime(),
        },
    )


def edition_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the dashboard's script while an edition is sending."""
    edition = _edition_for_editor(request, pk)
    return JsonResponse(
        {
            **selectors.edition_progress(edition=edition).as_dict(),
            "stats": selectors.edition_stats(edition=edition),
        }
    )


def _preview_body(edition: Edition, *, part: str) -> str:
    rendered = edition_render(edition)
    body = rendered.html if part == "html" else rendered.text
    return body.replace(PREFERENCES_SLOT, "#").replace(UNSUBSCRIBE_SLOT, "#")


@xframe_options_sameorigin  # shown in the dashboard's frame
def edition_preview(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    edition = _edition_for_editor(request, pk)
    if part == "html":
        return HttpResponse(_preview_body(edition, part="html"))
    return HttpResponse(
        _preview_body(edition, part="text"), content_type="text/plain; charset=utf-8"
    )


@require_POST
def edition_action(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition_for_editor(request, pk, change=True)
    action = request.POST.get("action", "")
    try:
        if action == "test":
            email = str(request.POST.get("email") or getattr(request.user, "email", ""))
            services.edition_test_send(edition=edition, email=email)
            messages.success(
                request, _("Envoi de test parti vers %(email)s.") % {"email": email}
            )
        elif action == "send":
            services.edition_send_start(edition=edition)
            messages.success(request, _("Envoi commencé."))
        elif action == "schedule":
            at = datetime.fromisoformat(request.POST.get("at", ""))
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            services.edition_schedule(edition=edition, at=at)
            messages.success(request, _("Envoi programmé."))
        elif action == "unschedule":
            services.edition_unschedule(edition=edition)
        elif action == "pause":
            services.edition_pause(edition=edition)
        elif action == "resume":
            services.edition_resume(edition=edition)
    except (ValidationError, ValueError) as exc:
        messages.error(request, _("Action impossible : %(error)s") % {"error": exc})
    return redirect("newsletter_editions:dashboard", pk=edition.pk)


def lists_growth(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("newsletter.view_newsletterlist"):
        raise PermissionDenied
    charts = []
    for newsletter_list in NewsletterList.objects.all():
        points = selectors.list_growth(newsletter_list=newsletter_list)
        charts.append(
            {
                "list": newsletter_list,
                "chart": selectors.growth_svg_points(points),
                "count": points[-1][1] if points else 0,
            }
        )
    return render(request, "newsletter/admin/growth.html", {"charts": charts})
