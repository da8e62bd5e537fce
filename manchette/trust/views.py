"""The reader's side of the trust app. The error-report form sits in cached article
pages: it posts without a CSRF token (same-origin check instead), then redirects to a
small thank-you page; the droit de réponse has its own uncached page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from manchette.core.http import client_ip, page_cache_tags, rate_limit_hit, reader_post
from manchette.newsroom.models import ArticlePage
from manchette.trust import conf, selectors, services
from manchette.trust.forms import ErrorReportForm, ReplyRequestForm
from manchette.trust.models import Correction, LegalIdentity

NO_STORE = "private, no-store"
LEGAL_TAG = "trust:legal"


def _article_or_404(article_id: int) -> ArticlePage:
    article = ArticlePage.objects.live().public().filter(pk=article_id).first()
    if article is None:
        raise Http404
    return article


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# Signaler une erreur ----------------------------------------------------------------------


@reader_post
@require_http_methods(["GET", "POST"])
def error_report(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_or_404(article_id)
    form = ErrorReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        limited = rate_limit_hit(
            scope="trust-report",
            key=client_ip(request),
            limit=conf.reports_per_hour(),
            window_seconds=3600,
        )
        if limited:
            form.add_error(
                None,
                _(
                    "Vous avez envoyé beaucoup de signalements : réessayez dans une heure."
                ),
            )
            status = 429
        elif form.is_valid():
            if not form.cleaned_data["website"]:
                services.error_report_submit(
                    article=article,
                    passage=form.cleaned_data["passage"],
                    problem=form.cleaned_data["problem"],
                    email=form.cleaned_data["email"],
                )
            thanks = _("Merci : votre signalement est transmis à la rédaction.")
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": thanks})
            return redirect("trust:report-thanks", article_id=article.pk)
        else:
            status = 400
        if _wants_json(request):
            errors = [str(e) for errors in form.errors.values() for e in errors]
            return JsonResponse({"ok": False, "errors": errors}, status=status)
    return _private(
        render(
            request,
            "trust/report_page.html",
            {"article": article, "form": form},
            status=status,
        )
    )


@require_GET
def error_report_thanks(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_or_404(article_id)
    return _private(render(request, "trust/report_thanks.html", {"article": article}))


# Droit de réponse ---------------------------------------------------------------------------


@reader_post
@require_http_methods(["GET", "POST"])
def reply_request(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_or_404(article_id)
    limit = services.reply_length_limit(article=article)
    if request.method != "POST":
        form = ReplyRequestForm(initial={"idempotency_key": ReplyRequestForm.new_key()})
        return _private(_reply_page(request, article, form, limit))
    form = ReplyRequestForm(request.POST)
    if rate_limit_hit(
        scope="trust-reply",
        key=client_ip(request),
        limit=conf.replies_per_hour(),
        window_seconds=3600,
    ):
        form.add_error(None, _("Trop de demandes envoyées : réessayez dans une heure."))
        return _private(_reply_page(request, article, form, limit, status=429))
    if form.is_valid():
        try:
            reply = services.reply_request_submit(article=article, **form.cleaned_data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return _private(
                render(
                    request,
                    "trust/reply_received.html",
                    {"article": article, "reply": reply},
                )
            )
    return _private(_reply_page(request, article, form, limit, status=400))


def _reply_page(
    request: HttpRequest,
    article: ArticlePage,
    form: ReplyRequestForm,
    limit: int,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "trust/reply_page.html",
        {
            "article": article,
            "form": form,
            "limit": limit,
            "legal": selectors.legal_identity(),
        },
        status=status,
    )


# Corrections -------------------------------------------------------------------------------


@require_GET
def corrections_page(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, services.CORRECTIONS_TAG, "site")
    return render(
        request,
        "trust/corrections_page.html",
        {"corrections": selectors.corrections_latest()},
    )


class CorrectionsFeed(Feed):
    language = settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page_cache_tags(request, services.CORRECTIONS_TAG, "site")
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        return _("%(site)s – corrections") % {"site": settings.WAGTAIL_SITE_NAME}

    def link(self) -> str:
        return reverse("trust:corrections")

    def description(self) -> str:
        return _("Les corrections, précisions et mises à jour de nos articles.")

    def items(self) -> Any:
        return selectors.corrections_latest()

    def item_title(self, item: Correction) -> str:
        return f"{item.get_kind_display()} – {item.article.title}"

    def item_description(self, item: Correction) -> str:
        return item.text

    def item_link(self, item: Correction) -> str:
        return f"{item.article.get_url() or '/'}#corrections"

    def item_guid(self, item: Correction) -> str:
        return f"{settings.SITE_URL}/corrections/#correction-{item.pk}"

    def item_pubdate(self, item: Correction) -> Any:
        return item.made_at


# Legal pages -----------------------------------------------------------------------------------


@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    """« Mentions légales » (LCEN art. 6 III), from the LegalIdentity setting."""
    page_cache_tags(request, LEGAL_TAG, "site")
    return render(
        request,
        "trust/legal_notice.html",
        {"legal": LegalIdentity.load(request_or_site=request)},
    )


@require_GET
def privacy_policy(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, LEGAL_TAG, "site")
    return render(
        request,
        "trust/privacy_policy.html",
        {
            "legal": LegalIdentity.load(request_or_site=request),
            "cookies": selectors.reader_cookies(),
            "stored_data": selectors.stored_data(),
        },
    )


# Embargo ------------------------------------------------------------------------------------------


@require_GET
def embargo_preview(request: HttpRequest, token: str) -> HttpResponse:
    """A partner reads the latest revision of an article under embargo: never
    cached, never indexed. Once the article is public, the link leads to it."""
    link = selectors.partner_link_from_token(token=token)
    if link is not None and link.article.live:
        return redirect(link.article.get_url(request) or "/")
    if link is None or link.expires_at <= timezone.now():
        response = render(request, "trust/embargo_invalid.html", status=404)
    else:
        services.partner_link_opened(link=link)
        draft = link.article.get_latest_revision_as_object()
        context = draft.get_context(request)
        context["embargo_link"] = link
        response = TemplateResponse(request, draft.get_template(request), context)
        response.render()
        request.page_cache_tags = set()  # type: ignore[attr-defined]
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak in links
    return _private(response)
