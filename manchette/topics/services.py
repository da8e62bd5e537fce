"""Writes of the topics app, and the linking of topics in a rendered article body."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from manchette.topics.linking import LinkTarget, links_apply
from manchette.topics.models import Topic


def topic_links_apply(
    *, html: str, topics: Sequence[Topic], skip_words: Iterable[str] = ()
) -> str:
    """Wrap the first mention of each topic in the rendered body in a link to its page
    (never inside links, headings, quote attributions or the kicker), except the
    mentions the editor listed in `skip_words`. No query: the topics are given."""
    return links_apply(
        html=html,
        targets=[LinkTarget(t.matcher_entry, t.get_absolute_url()) for t in topics],
        skip_words=skip_words,
    )
