"""Linking the first mention of each of an article's topics in its rendered body.

Pure functions of the HTML and the topics (no query). Text inside links, headings,
quote attributions (cite, figcaption), the kicker, code and anything an editor marks
with `data-no-topic-link` is never linked. Mentions are found by the French matcher
(manchette.topics.matching), so « l’Arménie » links « Arménie » only.

Which mention of a topic gets the link: the first one that does not overlap another
topic's link. When two topics' first mentions overlap (« l’Organisation pour la sécurité
et la coopération en Europe » names OSCE, « sécurité » and « Europe »), a topic that is
named again later gives way and is linked there; otherwise the longest name wins.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape

from manchette.topics.matching import Mention, TopicEntry, fold_phrase, matcher_for

# Elements whose text is never linked.
SKIPPED_ELEMENTS = frozenset(
    {
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "cite",
        "figcaption",
        "script",
        "style",
        "code",
        "pre",
        "button",
        "label",
        "select",
        "textarea",
        "svg",
    }
)
# Elements marked so by class or attribute are skipped as well.
SKIPPED_CLASSES = frozenset({"kicker", "no-topic-link"})
OPT_OUT_ATTRIBUTE = "data-no-topic-link"
VOID_ELEMENTS = frozenset(
    {
        "area",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "wbr",
    }
)
TAG_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>", re.S)
CLASS_RE = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
LINK_CLASS = "topic-link"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    entry: TopicEntry
    url: str


@dataclass(frozen=True, slots=True)
class _Candidate:
    topic_id: int
    segment: int  # index of the text segment in the HTML
    start: int  # offsets in the segment's raw HTML text
    end: int
    order: int  # document order

    def overlaps(self, other: _Candidate) -> bool:
        return (
            self.segment == other.segment
            and self.start < other.end
            and other.start < self.end
        )


def _skips_element(name: str, attributes: str) -> bool:
    if name in SKIPPED_ELEMENTS or OPT_OUT_ATTRIBUTE in attributes:
        return True
    match = CLASS_RE.search(attributes)
    if not match:
        return False
    classes = next(group for group in match.groups() if group is not None)
    return bool(SKIPPED_CLASSES.intersection(classes.split()))


def _segments(html: str) -> list[tuple[str, bool]]:
    """The HTML cut into (piece, is_linkable_text): tags and skipped text are kept
    as they are."""
    pieces: list[tuple[str, bool]] = []
    skipping: list[list[object]] = []  # [element name, depth of same-name nesting]
    pos = 0
    for match in TAG_RE.finditer(html):
        if match.start() > pos:
            pieces.append((html[pos : match.start()], not skipping))
        pieces.append((match.group(0), False))
        pos = match.end()
        if match.group(2) is None:  # a comment
            continue
        closing = bool(match.group(1))
        name = match.group(2).lower()
        attributes = match.group(3) or ""
        if name in VOID_ELEMENTS or attributes.rstrip().endswith("/"):
            continue
        if skipping:
            top = skipping[-1]
            if name == top[0]:
                top[1] = int(top[1]) + (-1 if closing else 1)  # type: ignore[call-overload]
                if top[1] == 0:
                    skipping.pop()
            continue
        if not closing and _skips_element(name, attributes):
            skipping.append([name, 1])
    if pos < len(html):
        pieces.append((html[pos:], not skipping))
    return pieces


def _decoded(raw: str) -> tuple[str, list[int]]:
    """The text of raw HTML (entities decoded), with the raw offset of each character
    (and of the end)."""
    text: list[str] = []
    offsets: list[int] = []
    pos = 0
    for match in ENTITY_RE.finditer(raw):
        for i in range(pos, match.start()):
            text.append(raw[i])
            offsets.append(i)
        for char in html_lib.unescape(match.group()):
            text.append(char)
            offsets.append(match.start())
        pos = match.end()
    for i in range(pos, len(raw)):
        text.append(raw[i])
        offsets.append(i)
    offsets.append(len(raw))
    return "".join(text), offsets


def _raw_end(offsets: list[int], end: int, raw: str) -> int:
    """The raw offset just after the decoded character end-1 (past its entity)."""
    start_of_last = offsets[end - 1]
    if raw.startswith("&", start_of_last):
        match = ENTITY_RE.match(raw, start_of_last)
        if match:
            return match.end()
    return start_of_last + 1


def _choose(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per topic, none overlapping, each as early as possible."""
    by_topic: dict[int, list[_Candidate]] = {}
    for candidate in candidates:
        by_topic.setdefault(candidate.topic_id, []).append(candidate)
    position = dict.fromkeys(by_topic, 0)

    def current(topic_id: int) -> _Candidate:
        return by_topic[topic_id][position[topic_id]]

    def has_later(topic_id: int) -> bool:
        return position[topic_id] + 1 < len(by_topic[topic_id])

    while True:
        chosen = sorted((current(t) for t in position), key=lambda c: c.order)
        conflict = next(
            (
                (a, b)
                for i, a in enumerate(chosen)
                for b in chosen[i + 1 :]
                if a.overlaps(b)
            ),
            None,
        )
        if conflict is None:
            return chosen
        a, b = conflict
        if has_later(a.topic_id) != has_later(b.topic_id):
            loser = a if has_later(a.topic_id) else b
        else:
            loser = a if (a.end - a.start) < (b.end - b.start) else b
        if has_later(loser.topic_id):
            position[loser.topic_id] += 1
        else:
            del position[loser.topic_id]


def links_apply(
    *, html: str, targets: Sequence[LinkTarget], skip_words: Iterable[str] = ()
) -> str:
    """Wrap the first linkable mention of each target in a link to its page."""
    if not targets:
        return html
    entries = tuple(sorted(target.entry for target in targets))
    matcher = matcher_for(entries)
    urls = {target.entry.pk: target.url for target in targets}
    skipped = {fold_phrase(word) for word in skip_words}
    pieces = _segments(html)
    candidates: list[_Candidate] = []
    order = 0
    for index, (raw, linkable) in enumerate(pieces):
        if not linkable or not raw.strip():
            continue
        text, offsets = _decoded(raw)
        mention: Mention
        for mention in matcher.mentions_everywhere(text):
            if fold_phrase(mention.words) in skipped:
                continue
            candidates.append(
                _Candidate(
                    mention.topic_id,
                    index,
                    offsets[mention.start],
                    _raw_end(offsets, mention.end, raw),
                    order,
                )
            )
            order += 1
    by_segment: dict[int, list[_Candidate]] = {}
    for candidate in _choose(candidates):
        by_segment.setdefault(candidate.segment, []).append(candidate)
    out = []
    for index, (raw, _linkable) in enumerate(pieces):
        for candidate in sorted(
            by_segment.get(index, ()), key=lambda c: c.start, reverse=True
        ):
            url = escape(urls[candidate.topic_id])
            raw = (
                f"{raw[: candidate.start]}"
                f'<a class="{LINK_CLASS}" href="{url}">'
                f"{raw[candidate.start : candidate.end]}</a>{raw[candidate.end :]}"
            )
        out.append(raw)
    return "".join(out)
