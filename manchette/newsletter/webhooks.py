"""Providers' tracking webhooks (django-anymail) feed bounces and complaints into the
suppression list. Mailgun is wired: its webhooks are signed (HMAC-SHA256 of the
timestamp and token with the webhook signing key), and anymail refuses a bad
signature with a 400."""

from __future__ import annotations

from anymail.webhooks.mailgun import MailgunTrackingWebhookView  # type: ignore[import-untyped,unused-ignore]
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from manchette.newsletter import conf


@csrf_exempt
def mailgun_tracking(request: HttpRequest) -> HttpResponse:
    key = conf.mailgun_webhook_signing_key()
    if not key:
        raise Http404  # not configured: nothing to receive
    view = MailgunTrackingWebhookView.as_view(webhook_signing_key=key)
    return view(request)
