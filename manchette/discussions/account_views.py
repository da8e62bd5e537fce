"""The reader's own space, under /lecteur/ (never cached): passwordless sign-in by an
emailed link, the account page with their comments and subscriptions, and their
personal data (GDPR): an export of every comment as JSON, and erasure."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from manchette.core.http import client_ip
from manchette.discussions import notifications, selectors, services
from manchette.discussions.models import Frequency, Subscription
from manchette.discussions.policy import CommentRefused
from manchette.discussions.readers import is_signed_in, request_identity

TEMPLATE = "discussions/reader.html"
NO_STORE = "private, no-store"


def _page(
    request: HttpRequest, step: str, *, status: int = 200, **context: Any
) -> HttpResponse:
    response = render(request, TEMPLATE, {"step": step, **context}, status=status)
    response["Cache-Control"] = NO_STORE
    return response


def _email_from_post(request: HttpRequest) -> str | None:
    email = request.POST.get("courriel", "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


def _link_request(
    request: HttpRequest, *, purpose: str, form_step: str
) -> HttpResponse:
    email = _email_from_post(request)
    if email is None:
        return _page(
            request,
            form_step,
            status=400,
            error=_("Cette adresse de courriel n’est pas valide."),
            typed=request.POST.get("courriel", ""),
        )
    notifications.reader_link_send(purpose=purpose, email=email, ip=client_ip(request))
    return _page(
        request,
        "message",
        message=_(
            "Si cette adresse peut recevoir ce lien, il vient de lui être envoyé. "
            "Consultez votre boîte de réception."
        ),
    )


# Sign-in -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def reader_home(request: HttpRequest) -> HttpResponse:
    """The account page when signed in; otherwise the form that sends a sign-in link."""
    if request.method == "POST":
        return _link_request(request, purpose="signin", form_step="signin")
    if not is_signed_in(request):
        return _page(request, "signin")
    identity = request_identity(request)
    assert identity is not None
    return _page(
        request,
        "account",
        identity=identity,
        comments=selectors.comments_of_identity(identity=identity)[:100],
        subscriptions=selectors.subscriptions_of_identity(identity=identity),
        frequencies=Frequency.choices,
        data_token=notifications.reader_link_token(
            purpose="data", email=getattr(request.user, "email", "")
        ),
    )


@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """A button, not an automatic sign-in: mail scanners follow links."""
    email = notifications.reader_link_email(purpose="signin", token=token)
    if email is None:
        return _page(
            request,
            "message",
            status=400,
            message=_(
                "Ce lien de connexion n’est plus valable : demandez-en un autre."
            ),
        )
    if request.method == "GET":
        return _page(request, "signin-confirm", email=email)
    try:
        user = services.reader_account_for_email(email=email)
    except CommentRefused as refused:
        return _page(request, "message", status=refused.status, message=refused.message)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("discussions:reader")


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("discussions:reader")


@require_POST
def subscription_change(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Instant or daily, or no more: only on one's own subscriptions."""
    identity = request_identity(request) if is_signed_in(request) else None
    subscription = Subscription.objects.filter(
        pk=subscription_id, identity=identity
    ).first()
    if identity is None or subscription is None:
        return _page(
            request,
            "message",
            status=404,
            message=_("Cet abonnement n’existe pas ou n’est pas le vôtre."),
        )
    frequency = request.POST.get("frequence", "")
    if request.POST.get("action") == "annuler":
        notifications.subscription_cancel(subscription=subscription)
    elif frequency in Frequency.values:
        notifications.subscription_frequency_set(
            subscription=subscription, frequency=frequency
        )
    return redirect("discussions:reader")


# Personal data ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def data_request(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _link_request(request, purpose="data", form_step="data")
    return _page(request, "data")


@require_http_methods(["GET", "POST"])
def data_link(request: HttpRequest, token: str) -> HttpResponse:
    email = notifications.reader_link_email(purpose="data", token=token)
    if email is None:
        return _page(
            request,
            "message",
            status=400,
            message=_("Ce lien n’est plus valable : demandez-en un autre."),
        )
    if request.method == "GET":
        return _page(request, "data-choices", email=email)
    if request.POST.get("action") == "exporter":
        data = selectors.personal_data_export(email=email)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="mes-commentaires.json"'
        response["Cache-Control"] = NO_STORE
        return response
    if request.POST.get("action") == "effacer":
        keep_text = request.POST.get("texte") == "garder"
        if request.POST.get("texte") not in ("garder", "effacer"):
            return _page(
                request,
                "data-choices",
                status=400,
                email=email,
                error=_("Choisissez ce que deviennent vos textes."),
            )
        count = services.reader_data_erase(email=email, keep_text=keep_text)
        if is_signed_in(request) and not request.user.is_staff:
            logout(request)
        return _page(
            request,
            "message",
            message=_(
                "C’est fait : votre nom et votre adresse ont été effacés de %(n)d "
                "commentaire(s)."
            )
            % {"n": count},
        )
    return _page(request, "data-choices", status=400, email=email)
