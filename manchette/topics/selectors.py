"""Reads of the topics app: an article's linked body, topics with their article counts,
and the topics suggested for a text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet

from manchette.topics import conf
from manchette.topics.models import (
    SuggestionStatus,
    Topic,
    TopicLinkOptOut,
    TopicSuggestion,
)
from manchette.topics.services import topic_links_apply
from manchette.topics.suggesting import FoundTopic, suggestions_for_text


def link_opt_out_words(*, article_id: int) -> list[str]:
    opt_out = TopicLinkOptOut.objects.filter(article_id=article_id).first()
    return opt_out.word_list if opt_out else []


def article_body_html(*, article: Any, topics: Sequence[Topic]) -> str:
    """The article's rendered body with its topic links, honouring the article's switch
    (topic_links_enabled) and the words its editors chose not to link. Kept in the
    cache under a key made of everything it depends on (the body's data, the topics'
    names, aliases and addresses, the opt-outs), so an edit or a preview never sees a
    stale copy and nothing needs invalidating."""
    enabled = getattr(article, "topic_links_enabled", True)
    skip_words = link_opt_out_words(article_id=article.pk) if enabled else []
    targets = (
        [(t.matcher_entry, t.get_absolute_url()) for t in topics] if enabled else []
    )
    fingerprint = hashlib.sha256(
        json.dumps(
            [article.body.get_prep_value(), targets, skip_words],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    key = f"topics:body:{article.pk}:{fingerprint}"
    html = cache.get(key)
    if html is None:
        html = str(article.body)
        if enabled:
            html = topic_links_apply(html=html, topics=topics, skip_words=skip_words)
        cache.set(key, html, timeout=conf.body_cache_seconds())
    return html


def topics_with_article_counts() -> QuerySet[Topic]:
    return Topic.objects.annotate(article_count=Count("articles", distinct=True))


def topics_found_in_text(
    *, text: str, with_new_entities: bool = True
) -> list[FoundTopic]:
    """Suggestions for a text against every known topic (one query; the compiled
    matcher is reused while the topics do not change)."""
    topics = list(Topic.objects.only("pk", "name", "aliases", "kind"))
    return suggestions_for_text(
        text,
        entries=[t.matcher_entry for t in topics],
        kinds={t.pk: t.kind for t in topics},
        with_new_entities=with_new_entities,
    )


def suggestions_pending_count(*, article_id: int) -> int:
    return TopicSuggestion.objects.filter(
        article_id=article_id, status=SuggestionStatus.PENDING
    ).count()
