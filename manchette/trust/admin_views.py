"""Editors' pages in the Wagtail admin: turn a reader's report into a correction in
one step, decide on a droit de réponse, preview the typography pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from manchette.newsroom.models import ArticlePage
from manchette.trust import services, typography_hooks
from manchette.trust.forms import CorrectionFromReportForm, ReplyDecisionForm
from manchette.trust.models import (
    ErrorReport,
    ReplyRequest,
    ReportStatus,
    TypographyExemption,
)

if TYPE_CHECKING:
    from manchette.accounts.models import User


def editor_of(request: HttpRequest) -> User:
    """The signed-in editor (the admin's views only run for one)."""
    return cast("User", request.user)


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def report_to_correction(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "trust.add_correction")
    report = get_object_or_404(ErrorReport.objects.select_related("article"), pk=pk)
    form = CorrectionFromReportForm(
        request.POST or None, initial={"text": report.problem}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.error_report_to_correction(
                report=report,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                user=editor_of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Correction publiée sur « %(title)s ».")
                % {"title": report.article.title},
            )
            return redirect("trust_reports:index")
    return render(
        request,
        "trust/admin/report_to_correction.html",
        {"report": report, "form": form},
    )


@require_POST
def report_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "trust.change_errorreport")
    report = get_object_or_404(ErrorReport, pk=pk, status=ReportStatus.NEW)
    services.error_report_dismiss(report=report, user=editor_of(request))
    messages.success(request, _("Signalement classé sans suite."))
    return redirect("trust_reports:index")


def reply_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "trust.change_replyrequest")
    reply = get_object_or_404(ReplyRequest.objects.select_related("article"), pk=pk)
    form = ReplyDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "publish":
                services.reply_request_publish(
                    reply=reply,
                    user=editor_of(request),
                    note=form.cleaned_data["reason"],
                )
                messages.success(request, _("Réponse publiée sous l’article."))
            else:
                services.reply_request_refuse(
                    reply=reply,
                    user=editor_of(request),
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Refus enregistré et envoyé au demandeur."))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect("trust_replies:decide", pk=reply.pk)
    return render(
        request,
        "trust/admin/reply_decide.html",
        {"reply": reply, "form": form, "events": reply.events.select_related("user")},
    )


def typography_preview(request: HttpRequest, page_id: int) -> HttpResponse:
    """What the typography pass changes in the latest draft, block by block, with a
    switch per block to leave it as typed."""
    article = get_object_or_404(ArticlePage, pk=page_id)
    if not article.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    draft = article.get_latest_revision_as_object()
    if request.method == "POST":
        keep = set(request.POST.getlist("skip"))
        blocks = {b.id for b in draft.body if b.id}
        TypographyExemption.objects.filter(article=article).exclude(
            block_id__in=keep
        ).delete()
        for block_id in keep & blocks:
            TypographyExemption.objects.get_or_create(
                article=article, block_id=block_id
            )
        messages.success(request, _("Réglages typographiques enregistrés."))
        return redirect(reverse("trust_typography", args=[article.pk]))
    skipped = set(
        TypographyExemption.objects.filter(article=article).values_list(
            "block_id", flat=True
        )
    )
    return render(
        request,
        "trust/admin/typography_preview.html",
        {
            "article": article,
            "rows": typography_hooks.article_preview(draft, skipped=skipped),
            "last_changes": request.session.get(
                typography_hooks.session_key(article.pk), []
            ),
        },
    )
