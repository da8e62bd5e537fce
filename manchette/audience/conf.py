"""The audience app's settings (settings module, else a default)."""

from __future__ import annotations

from django.conf import settings


def retention_days() -> int:
    """Counters older than this are deleted (13 months, as the CNIL recommends)."""
    return int(getattr(settings, "AUDIENCE_RETENTION_DAYS", 395))
