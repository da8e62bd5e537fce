"""The newsletter's settings. Each one is read from Django's settings when defined
there, else from the environment (`MANCHETTE_<NAME>`), else a safe default; read at
call time so that tests (and `override_settings`) can change them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.conf import settings


def _setting(name: str, default: Any, cast: Callable[[str], Any] = str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(f"MANCHETTE_{name}")
    return default if not raw else cast(raw)


def _flag(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on", "oui")


def send_rate() -> float:
    """Messages per second for one edition, all workers together."""
    return float(_setting("NEWSLETTER_SEND_RATE", 100.0, float))


def send_concurrency() -> int:
    """How many send tasks one edition is split into (one per task worker)."""
    return max(1, int(_setting("NEWSLETTER_SEND_CONCURRENCY", 2, int)))


def batch_size() -> int:
    """Deliveries one worker claims at a time (one set of SMTP connections each)."""
    return max(1, int(_setting("NEWSLETTER_BATCH_SIZE", 200, int)))


def smtp_connections() -> int:
    """SMTP connections one worker keeps open: it sends one message on each, then
    records them all in one commit, then releases them (one round trip for all)."""
    return max(1, int(_setting("NEWSLETTER_SMTP_CONNECTIONS", 8, int)))


def lease_seconds() -> int:
    """A worker silent for that long is taken for dead; its claims are released."""
    return int(_setting("NEWSLETTER_LEASE_SECONDS", 120, int))


def max_attempts() -> int:
    return int(_setting("NEWSLETTER_MAX_ATTEMPTS", 5, int))


def retry_base_seconds() -> int:
    """First wait after a temporary SMTP error (then doubled at each attempt)."""
    return int(_setting("NEWSLETTER_RETRY_BASE_SECONDS", 60, int))


def digest_hour() -> int:
    """Local hour at which the daily digest is composed."""
    return int(_setting("NEWSLETTER_DIGEST_HOUR", 7, int))


def digest_auto_send() -> bool:
    """Send the composed digest at once, without an editor's review."""
    return bool(_setting("NEWSLETTER_DIGEST_AUTO_SEND", False, _flag))


def weekly_weekday() -> int:
    """Day (0 = Monday) on which weekly section and topic letters are composed."""
    return int(_setting("NEWSLETTER_WEEKLY_WEEKDAY", 5, int))


def signup_expiry_days() -> int:
    return int(_setting("NEWSLETTER_SIGNUP_EXPIRY_DAYS", 7, int))


def signup_limit_per_address() -> int:
    """Confirmation emails one address can receive per day."""
    return int(_setting("NEWSLETTER_SIGNUP_LIMIT_PER_ADDRESS", 3, int))


def signup_limit_per_ip() -> int:
    """Sign-ups one client address can make per hour."""
    return int(_setting("NEWSLETTER_SIGNUP_LIMIT_PER_IP", 20, int))


def from_email() -> str:
    return str(_setting("NEWSLETTER_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL))


def mailgun_webhook_signing_key() -> str:
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    return str(
        anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY")
        or os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", "")
    )
