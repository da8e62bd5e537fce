"""Email plumbing shared by every app that writes to readers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class OutboxBackend(ConsoleBackend):
    """The embedded default: each message is printed to the console and kept in the
    local outbox (admin → Boîte d’envoi), so a newsroom trying Manchette can follow a
    confirmation link without any mail server."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from manchette.core.models import OutboxMessage

        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next(
                    (str(c) for c, mime in message.alternatives if mime == "text/html"),
                    "",
                )
            OutboxMessage.objects.create(
                from_email=message.from_email,
                to=", ".join(message.recipients()),
                subject=str(message.subject),
                text=str(message.body),
                html=html,
                headers={k: str(v) for k, v in message.extra_headers.items()},
            )
        return super().send_messages(email_messages)


def one_click_unsubscribe_headers(url: str) -> dict[str, Any]:
    """RFC 8058 headers, as the large mailbox providers require on bulk mail."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
