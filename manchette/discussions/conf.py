"""The discussion settings an operator may change (in config/settings.py or the
environment); the newsroom's own choices live in the admin (DiscussionSettings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "MAX_DEPTH": 3,  # replies deeper than this attach to the deepest level
    "MAX_LENGTH": 5000,  # characters of a comment
    "NAME_MAX_LENGTH": 60,
    "EDIT_MINUTES": 15,  # a new reader's edit window
    "EDIT_MINUTES_TRUSTED": 60,  # confirmed and trusted readers, staff
    "PER_PAGE": 20,  # top-level threads per page
    "MIN_SECONDS": 3,  # a form sent faster than this was not typed by a person
    "MAX_LINKS": 3,
    "DUPLICATE_MINUTES": 10,
    "REPORT_THRESHOLD": 3,  # reports that hide a comment until a moderator decides
    "TRUSTED_AFTER": 3,  # approved comments that make a confirmed reader trusted
    # (hits, seconds) per client address, per email address, per article
    "RATE_IP": (5, 60),
    "RATE_EMAIL": (5, 60),
    "RATE_ARTICLE": (60, 60),
    "RATE_ACTIONS": (60, 60),  # votes and reports per client address
    "RATE_CONFIRMATION": (3, 3600),  # confirmation emails per target address and per IP
    # Not the reactions' cookie (manchette_lecteur): each app signs its own.
    "COOKIE_NAME": "manchette_commentaires",
    "COOKIE_MAX_AGE": 2 * 365 * 24 * 3600,
}


def get(name: str) -> Any:
    return getattr(settings, f"DISCUSSIONS_{name}", DEFAULTS[name])
