"""Settings of the flashes app, each with a default (override in settings.py)."""

from __future__ import annotations

from django.conf import settings


def default_duration_hours() -> int:
    """A flash published without an end leaves the banner after this many hours."""
    return int(getattr(settings, "FLASH_DEFAULT_DURATION_HOURS", 6))


def banner_max() -> int:
    return int(getattr(settings, "FLASH_BANNER_MAX", 5))
