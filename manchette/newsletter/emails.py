"""What the newsletter sends: every email is responsive HTML with inline styles and a
plain-text alternative, loads nothing (no image, no font, no pixel), links only to
the site itself, and carries the RFC 8058 one-click unsubscribe headers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from manchette.core.mail import one_click_unsubscribe_headers
from manchette.newsletter import conf, tokens
from manchette.newsletter.models import Edition, SignupRequest, Subscriber

# Filled per subscriber in an edition rendered once (rendering 100,000 times would
# cost more than sending).
PREFERENCES_SLOT = "__MANCHETTE_PREFERENCES_URL__"
UNSUBSCRIBE_SLOT = "__MANCHETTE_UNSUBSCRIBE_URL__"


def site_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def header_text(value: str, *, limit: int = 200) -> str:
    """One line, whatever an editor or a reader typed: CR, LF and other control
    characters would otherwise let a field add headers of its own."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())[
        :limit
    ]


def message_id(*, edition_id: int, delivery_id: int) -> str:
    """Stable per delivery, so that a copy sent again after a crash carries the same
    Message-ID and the receiving side can drop it."""
    return f"<edition{edition_id}.delivery{delivery_id}@{mail_domain()}>"


def _render(template: str, context: dict[str, Any]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def _base_context() -> dict[str, Any]:
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "newsletter_url": site_url(reverse("newsletter:home")),
    }


def confirmation_message(
    signup: SignupRequest, *, list_names: list[str]
) -> EmailMultiAlternatives:
    context = {
        **_base_context(),
        "confirm_url": site_url(
            reverse("newsletter:confirm", args=[tokens.confirm_token(signup)])
        ),
        "list_names": list_names,
        "expiry_days": conf.signup_expiry_days(),
    }
    subject = header_text(
        translation.gettext("Confirmez votre inscription à la lettre de %(site)s")
        % {"site": settings.WAGTAIL_SITE_NAME}
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=_render("newsletter/email/confirm.txt", context),
        from_email=conf.from_email(),
        to=[signup.email],
    )
    message.attach_alternative(
        _render("newsletter/email/confirm.html", context), "text/html"
    )
    return message


@dataclass(frozen=True)
class RenderedEdition:
    """An edition rendered once, with slots for each subscriber's own links."""

    edition_id: int
    list_id: int
    list_slug: str
    subject: str
    text: str
    html: str


def edition_groups(edition: Edition) -> list[dict[str, Any]]:
    """The edition's articles grouped under their section headings, in the editors'
    order."""
    groups: list[dict[str, Any]] = []
    for item in edition.items.select_related("article").order_by("sort_order", "pk"):
        article = item.article
        heading = item.heading
        entry = {
            "title": item.title or (article.title if article else ""),
            "blurb": item.blurb or (article.standfirst if article else ""),
            "url": site_url(article.get_url() or article.url_path) if article else "",
        }
        if not entry["title"]:
            continue
        if groups and groups[-1]["heading"] == heading:
            groups[-1]["items"].append(entry)
        else:
            groups.append({"heading": heading, "items": [entry]})
    return groups


def edition_render(edition: Edition) -> RenderedEdition:
    newsletter_list = edition.newsletter_list
    context = {
        **_base_context(),
        "edition": edition,
        "subject": header_text(edition.subject),
        "list_name": newsletter_list.name,
        "groups": edition_groups(edition),
        "link_url": site_url(edition.link_url) if edition.link_url else "",
        "date": edition.issue_date or timezone.localdate(),
        "preferences_url": PREFERENCES_SLOT,
        "unsubscribe_url": UNSUBSCRIBE_SLOT,
    }
    return RenderedEdition(
        edition_id=edition.pk,
        list_id=newsletter_list.pk,
        list_slug=newsletter_list.slug,
        subject=header_text(edition.subject),
        text=short_lines(_render("newsletter/email/edition.txt", context)),
        html=short_lines(_render("newsletter/email/edition.html", context)),
    )


def short_lines(body: str, *, limit: int = 500) -> str:
    """Break lines longer than `limit` at a space: with every line short (even
    once a link is filled in), the body goes as 8-bit text and stays well under
    SMTP's 998-character limit; a newline is a space in HTML and in reflowed text."""
    out = []
    for line in body.split("\n"):
        while len(line) > limit and " " in line[1:limit]:
            cut = line.rindex(" ", 1, limit)
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


@lru_cache(maxsize=8)
def _link_prefix(name: str) -> str:
    """The site URL of a token view up to its token (reversed once per process:
    100,000 reverse() calls would show in a send)."""
    return site_url(reverse(name, args=["TOKEN"])).removesuffix("TOKEN/")


def personal_links(
    subscriber: Subscriber, *, list_id: int | None, edition_id: int | None
) -> tuple[str, str]:
    preferences = _link_prefix("newsletter:preferences") + (
        tokens.preferences_token(subscriber) + "/"
    )
    unsubscribe = _link_prefix("newsletter:unsubscribe") + (
        tokens.unsubscribe_token(subscriber, list_id=list_id, edition_id=edition_id)
        + "/"
    )
    return preferences, unsubscribe


def _edition_email(
    rendered: RenderedEdition,
    *,
    to: str,
    message_id: str,
    preferences: str,
    unsubscribe: str,
    connection: Any = None,
) -> EmailMultiAlternatives:
    def fill(body: str) -> str:
        return body.replace(PREFERENCES_SLOT, preferences).replace(
            UNSUBSCRIBE_SLOT, unsubscribe
        )

    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=fill(rendered.text),
        from_email=conf.from_email(),
        to=[to],
        connection=connection,
        headers={
            **one_click_unsubscribe_headers(unsubscribe),
            "Message-ID": message_id,
            "List-Id": f"<{rendered.list_slug}.{mail_domain()}>",
            "Precedence": "bulk",
        },
    )
    message.attach_alternative(fill(rendered.html), "text/html")
    return message


def edition_message(
    rendered: RenderedEdition,
    *,
    subscriber: Subscriber,
    to: str,
    delivery_id: int,
    connection: Any = None,
) -> EmailMultiAlternatives:
    preferences, unsubscribe = personal_links(
        subscriber, list_id=rendered.list_id, edition_id=rendered.edition_id
    )
    message = _edition_email(
        rendered,
        to=to,
        message_id=message_id(edition_id=rendered.edition_id, delivery_id=delivery_id),
        preferences=preferences,
        unsubscribe=unsubscribe,
        connection=connection,
    )
    # Providers (django-anymail) echo this back in their webhooks, which ties a
    # bounce or a complaint to its delivery; the SMTP backend ignores it.
    message.metadata = {  # type: ignore[attr-defined]
        "delivery_id": str(delivery_id),
        "edition_id": str(rendered.edition_id),
    }
    return message


# The SMTP fast path: the same message, serialised once per batch with slots, then
# filled per recipient (serialising a MIME message costs more than sending it).
TO_SLOT = "recipient@slot.manchette.invalid"
MESSAGE_ID_SLOT = "<message-id@slot.manchette.invalid>"


def edition_wire_template(rendered: RenderedEdition) -> bytes | None:
    """The edition as bytes on the wire with every personal part as a slot, or
    None when a slot did not survive encoding (then each message is built)."""
    message = _edition_email(
        rendered,
        to=TO_SLOT,
        message_id=MESSAGE_ID_SLOT,
        preferences=PREFERENCES_SLOT,
        unsubscribe=UNSUBSCRIBE_SLOT,
    )
    raw = message.message().as_bytes(linesep="\r\n")
    slots = (TO_SLOT, MESSAGE_ID_SLOT, PREFERENCES_SLOT, UNSUBSCRIBE_SLOT)
    if any(slot.encode() not in raw for slot in slots):
        return None
    return raw


def edition_wire_fill(
    template: bytes,
    rendered: RenderedEdition,
    *,
    subscriber: Subscriber,
    to: str,
    delivery_id: int,
) -> bytes:
    preferences, unsubscribe = personal_links(
        subscriber, list_id=rendered.list_id, edition_id=rendered.edition_id
    )
    return (
        template.replace(TO_SLOT.encode(), to.encode())
        .replace(
            MESSAGE_ID_SLOT.encode(),
            message_id(
                edition_id=rendered.edition_id, delivery_id=delivery_id
            ).encode(),
        )
        .replace(PREFERENCES_SLOT.encode(), preferences.encode())
        .replace(UNSUBSCRIBE_SLOT.encode(), unsubscribe.encode())
    )
