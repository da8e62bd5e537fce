"""The reactions app's settings: from the settings module when it names them, else
from the environment (`MANCHETTE_REACTIONS_…`), else a default that suits a small
newsroom. Read at each use, so that tests can override them."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

READER_COOKIE = "manchette_lecteur"
READER_COOKIE_SALT = "manchette.reactions.reader"
READER_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers keep
RANKING_SIZE = 5


def _int(name: str, default: int) -> int:
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"MANCHETTE_{name}", default)
    return int(value)


def writes_per_minute() -> int:
    """Reaction POSTs one address may make per minute (set, change or remove): far
    above what a person clicks, well below what a script sends."""
    return _int("REACTIONS_WRITES_PER_MINUTE", 60)


def new_per_article_per_day() -> int:
    """New reactions one address may add to one article in 24 hours. This bounds what
    a reader who clears their cookies can add; an office or a mobile network sharing
    one address still leaves room for this many colleagues."""
    return _int("REACTIONS_NEW_PER_ARTICLE_PER_DAY", 20)


def rankings_refresh_seconds() -> int:
    """How often the « Les plus réactifs » lists inside cached pages are recomputed."""
    return _int("REACTIONS_RANKINGS_REFRESH_SECONDS", 300)
