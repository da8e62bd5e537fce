"""The trust app's settings: from the settings module when it names them, else a
default that suits a small newsroom. Read at each use, so that tests can change them."""

from __future__ import annotations

from django.conf import settings


def reports_per_hour() -> int:
    """« Signaler une erreur » posts one address may send in an hour."""
    return int(getattr(settings, "TRUST_REPORTS_PER_HOUR", 5))


def replies_per_hour() -> int:
    """Droit de réponse requests one address may send in an hour."""
    return int(getattr(settings, "TRUST_REPLIES_PER_HOUR", 3))


def partner_link_days() -> int:
    """How long a new embargo link stays valid by default."""
    return int(getattr(settings, "TRUST_PARTNER_LINK_DAYS", 7))
