"""Readers' pages: sign-up, confirmation, preferences, one-click unsubscribe. Each
works as a plain form POST followed by a redirect; the sign-up form also answers in
JSON for the small script that keeps the reader on the page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from manchette.core.http import client_ip, page_cache_tags, reader_post
from manchette.newsletter import selectors, services, tokens
from manchette.newsletter.models import NewsletterList

CONSENT_TEXT = gettext_lazy(
    "En vous inscrivant, vous acceptez de recevoir les lettres choisies par "
    "courriel. Votre adresse ne sert qu’à cela et n’est jamais cédée ; chaque "
    "lettre contient un lien pour vous désinscrire en un clic."
)
SIGNED_UP_MESSAGE = gettext_lazy(
    "Merci ! Si cette adresse peut recevoir nos lettres, un courriel de "
    "confirmation vient d’y être envoyé : ouvrez le lien qu’il contient pour "
    "terminer votre inscription."
)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def newsletter_home(
    request: HttpRequest,
    *,
    errors: list[str] | None = None,
    email: str = "",
    chosen: list[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    services.newsletter_lists_ensure()
    lists = list(selectors.newsletter_lists_for_readers())
    if errors is None:
        page_cache_tags(request, "newsletter:lists")
    default = [nl.pk for nl in lists if nl.kind == "digest"]
    return render(
        request,
        "newsletter/home.html",
        {
            "lists": lists,
            "chosen": set(chosen if chosen is not None else default),
            "errors": errors or [],
            "email": email,
            "consent_text": CONSENT_TEXT,
        },
        status=status,
    )


@reader_post
@require_POST
def signup(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "")[:320]
    list_ids = _ids(request.POST.getlist("lists"))
    topic_slug = request.POST.get("topic", "")
    if topic_slug:
        from manchette.topics.models import Topic

        topic = Topic.objects.filter(slug=topic_slug).first()
        if topic is not None:
            list_ids.append(services.newsletter_list_for_topic(topic=topic).pk)
    try:
        services.signup_request_create(
            email=email,
            list_ids=list_ids,
            consent_text=str(CONSENT_TEXT),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": exc.messages}, status=400)
        return newsletter_home(
            request, errors=exc.messages, email=email, chosen=list_ids, status=400
        )
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": str(SIGNED_UP_MESSAGE)})
    return redirect("newsletter:thanks")


def thanks(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, "newsletter:thanks")
    return render(request, "newsletter/thanks.html", {"message": SIGNED_UP_MESSAGE})


def _link_refused(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/link_refused.html", status=404)


@reader_post
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST confirms, so that a mail scanner opening the
    link does not confirm in the reader's place."""
    try:
        signup_request = tokens.signup_from_confirm_token(token)
    except tokens.BadToken:
        return _link_refused(request)
    if request.method == "GET":
        names = NewsletterList.objects.filter(pk__in=signup_request.list_ids)
        return render(
            request,
            "newsletter/confirm.html",
            {"signup": signup_request, "lists": names},
        )
    subscriber = services.signup_confirm(signup=signup_request)
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    return redirect(f"{url}?confirme=1")


@reader_post
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = tokens.subscriber_from_preferences_token(token)
    except tokens.BadToken:
        return _link_refused(request)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "leave":
            services.subscriber_leave(subscriber=subscriber)
            return redirect("newsletter:left")
        if action in ("pause", "resume"):
            services.subscriber_pause(subscriber=subscriber, paused=action == "pause")
        else:
            services.subscriber_lists_update(
                subscriber=subscriber, list_ids=_ids(request.POST.getlist("lists"))
            )
        return redirect(f"{request.path}?enregistre=1")
    services.newsletter_lists_ensure()
    subscribed = selectors.subscriber_list_ids(subscriber=subscriber)
    lists = [
        nl
        for nl in NewsletterList.objects.filter(is_active=True)
        if nl.kind != "topic" or nl.pk in subscribed
    ]
    context: dict[str, Any] = {
        "subscriber": subscriber,
        "lists": lists,
        "subscribed": subscribed,
        "confirmed": "confirme" in request.GET,
        "saved": "enregistre" in request.GET,
        "unsubscribed": "desinscrit" in request.GET,
    }
    return render(request, "newsletter/preferences.html", context)


@csrf_exempt  # RFC 8058: mailbox providers POST here from their own servers
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link of every email's List-Unsubscribe header. A GET only shows a
    button (link scanners must not unsubscribe anyone); a POST, from that button or
    from the mailbox provider ("List-Unsubscribe=One-Click"), unsubscribes at once."""
    try:
        claim = tokens.unsubscribe_claim(token)
    except tokens.BadToken:
        return _link_refused(request)
    newsletter_list = (
        NewsletterList.objects.filter(pk=claim.list_id).first()
        if claim.list_id
        else None
    )
    if request.method == "GET":
        return render(
            request,
            "newsletter/unsubscribe.html",
            {"newsletter_list": newsletter_list, "token": token},
        )
    services.subscription_cancel(
        subscriber=claim.subscriber, list_id=claim.list_id, edition_id=claim.edition_id
    )
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse(_("Désinscription enregistrée."), content_type="text/plain")
    url = reverse(
        "newsletter:preferences", args=[tokens.preferences_token(claim.subscriber)]
    )
    return redirect(f"{url}?desinscrit=1")


def left(request: HttpRequest) -> HttpResponse:
    page_cache_tags(request, "newsletter:left")
    return render(request, "newsletter/left.html")
