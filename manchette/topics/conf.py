"""The topics app's settings, each with a default (override in the settings module)."""

from __future__ import annotations

from django.conf import settings


def body_cache_seconds() -> int:
    """How long a rendered, linked article body is kept (its key changes with any edit)."""
    return int(getattr(settings, "TOPICS_BODY_CACHE_SECONDS", 24 * 3600))


def inline_max_words() -> int:
    """Articles up to this length get their suggestions while the editor saves (when the
    language model is already loaded); longer ones in a background task."""
    return int(getattr(settings, "TOPICS_INLINE_MAX_WORDS", 400))


def spacy_model() -> str:
    return str(getattr(settings, "TOPICS_SPACY_MODEL", "fr_core_news_sm"))
