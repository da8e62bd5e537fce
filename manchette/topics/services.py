"""Linking the first mention of each of an article's topics in its rendered body."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape

from manchette.topics.models import Topic

# Text inside these elements never gets a topic link.
SKIPPED_ELEMENTS = {
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "cite",
    "figcaption",
    "script",
    "style",
    "code",
}
TAG_RE = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*?(/?)>")


def _pattern(topic: Topic) -> re.Pattern[str]:
    names = sorted({topic.name, *topic.alias_list}, key=len, reverse=True)
    alternatives = "|".join(re.escape(escape(n)) for n in names if n)
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


def topic_links_apply(*, html: str, topics: Sequence[Topic]) -> str:
    """Wrap the first mention of each topic (outside links, headings, captions and
    quote attributions) in a link to its page."""
    pending = {topic.pk: (topic, _pattern(topic)) for topic in topics}
    out: list[str] = []
    skip_depth = 0
    pos = 0
    for match in TAG_RE.finditer(html):
        out.append(
            _link_text(html[pos : match.start()], pending)
            if not skip_depth
            else html[pos : match.start()]
        )
        closing, name, self_closing = (
            match.group(1),
            match.group(2).lower(),
            match.group(3),
        )
        if name in SKIPPED_ELEMENTS and not self_closing:
            skip_depth += -1 if closing else 1
            skip_depth = max(skip_depth, 0)
        out.append(match.group(0))
        pos = match.end()
    out.append(_link_text(html[pos:], pending) if not skip_depth else html[pos:])
    return "".join(out)


def _link_text(text: str, pending: dict[int, tuple[Topic, re.Pattern[str]]]) -> str:
    if not text.strip() or not pending:
        return text
    found: list[tuple[int, int, Topic]] = []
    for topic, pattern in pending.values():
        m = pattern.search(text)
        if m:
            found.append((m.start(1), m.end(1), topic))
    chosen: list[tuple[int, int, Topic]] = []
    for start, end, topic in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, topic))
    for start, end, topic in sorted(chosen, key=lambda c: c[0], reverse=True):
        link = f'<a class="topic-link" href="{escape(topic.get_absolute_url())}">{text[start:end]}</a>'
        text = text[:start] + link + text[end:]
        del pending[topic.pk]
    return text
