"""A comment's text, turned into HTML once, at write time: paragraphs, line breaks,
quotes, links and « @nom » mentions, nothing else. And the avatar, drawn here from a
hash."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import nh3
from django.utils.html import escape

LINK_REL = "nofollow ugc noopener"
# Bidirectional embedding, override and isolate controls: kept in the stored text,
# dropped from the HTML so that a comment cannot reverse the text around it.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
URL = re.compile(r"(?<![\w/=\"'])(https?://[^\s<>\"']+)", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)»’'"
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def text_normalize(text: str) -> str:
    """What is stored: the text as typed, with line endings unified. NUL is the one
    character PostgreSQL cannot hold; it becomes U+FFFD (docs/decisions.md)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def _link(match: re.Match[str]) -> str:
    url = match.group(1)
    trail = ""
    while url and url[-1] in TRAILING_PUNCTUATION:
        trail = url[-1] + trail
        url = url[:-1]
    if url.endswith("&amp"):  # an escaped "&" cut in the middle
        trail = url[-4:] + trail
        url = url[:-4]
    return f'<a href="{url}">{url}</a>{trail}'


# Mentions -------------------------------------------------------------------------------------

MENTION_CLASS = "mention"
# What may stand right before the « @ » of a mention: the start of a line, a space or
# an opening mark. Not a letter or a slash, so that an address (ana@example.org) or a
# link (https://exemple.fr/@ana) stays what it is.
MENTION_OPENERS = frozenset("([{«“‘\"'")


@dataclass(frozen=True)
class Participant:
    """Someone who already commented in the thread, as a mention can name them: the
    display name, their latest published comment (the mention's anchor) and who they
    are (to be told), when the comment has an identity."""

    name: str
    comment_id: int
    identity_id: int | None = None


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """A character as mentions compare it: no accent, no case, spaces as one."""
    if char.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=16384)
def name_fold(name: str) -> str:
    return " ".join("".join(_fold(c) for c in name).split())


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the character
    of `text` it comes from (runs of spaces fold into one)."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold(char):
            if piece == " " and folded and folded[-1] == " ":
                continue
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def _ends_a_word(folded: str, end: int) -> bool:
    """Nothing of the same word follows: « @Jean » is not in « @Jeanne », nor in
    « @Jean-Pierre » when Jean-Pierre did not comment."""
    if end >= len(folded):
        return True
    nxt = folded[end]
    if nxt.isalnum() or nxt == "_":
        return False
    return not (nxt in "-'’" and end + 1 < len(folded) and folded[end + 1].isalnum())


class Names:
    """The participants as mentions look them up, built once per comment: folded
    names by their first character, the longest first."""

    def __init__(self, participants: Sequence[Participant]) -> None:
        self.by_first: dict[str, list[tuple[str, Participant]]] = {}
        for participant in participants:
            key = name_fold(participant.name)
            if key:
                self.by_first.setdefault(key[0], []).append((key, participant))
        for group in self.by_first.values():
            group.sort(key=lambda pair: -len(pair[0]))


def mentions_find(text: str, names: Names) -> list[tuple[int, int, Participant]]:
    """Where `text` names participants after an « @ »: (start, end, participant)
    spans in `text`, the longest name first where several begin alike; an « @ »
    that names nobody is left alone."""
    if "@" not in text or not names.by_first:
        return []
    folded, origin = _folded_with_positions(text)
    spans: list[tuple[int, int, Participant]] = []
    position = folded.find("@")
    while position != -1:
        start = origin[position]
        before = text[start - 1] if start else " "
        after = position + 1
        if after < len(folded) and (before.isspace() or before in MENTION_OPENERS):
            for key, participant in names.by_first.get(folded[after], ()):
                if folded.startswith(key, after) and _ends_a_word(
                    folded, after + len(key)
                ):
                    last = origin[after + len(key) - 1]
                    end = last + 1
                    while end < len(text) and unicodedata.combining(text[end]):
                        end += 1
                    spans.append((start, end, participant))
                    after += len(key)
                    break
        position = folded.find("@", after)
    return spans


def _line_html(line: str, names: Names, *, links: bool) -> str:
    """One line: the mentions as links to their anchors, the rest escaped (and its
    addresses linked)."""
    parts: list[str] = []
    cursor = 0

    def text(piece: str) -> str:
        html = escape(piece)
        return URL.sub(_link, html) if links else html

    for start, end, participant in mentions_find(line, names):
        parts.append(text(line[cursor:start]))
        parts.append(
            f'<a href="#commentaire-{participant.comment_id}" class="{MENTION_CLASS}">'
            f"{escape(line[start:end])}</a>"
        )
        cursor = end
    parts.append(text(line[cursor:]))
    return "".join(parts)


def _blocks(text: str) -> list[tuple[bool, list[str]]]:
    """The paragraphs of a comment, each as (is a quote, its lines without the « > »)."""
    text = BIDI_CONTROLS.sub("", text_normalize(text)).strip()
    blocks = []
    for block in PARAGRAPH_BREAK.split(text):
        if not block.strip():
            continue
        lines = block.strip("\n").split("\n")
        quote = all(line.startswith(">") for line in lines)
        if quote:
            lines = [line[1:].lstrip() for line in lines]
        blocks.append((quote, lines))
    return blocks


def body_render(
    text: str, *, links: bool, participants: Sequence[Participant] = ()
) -> str:
    """Sanitised HTML for a comment (escaped first, then nh3 as a second wall).
    « @nom » naming one of `participants` links to their latest comment."""
    names = Names(participants)
    html = []
    for quote, lines in _blocks(text):
        inner = "<br>".join(_line_html(ln, names, links=links) for ln in lines)
        html.append(
            f"<blockquote><p>{inner}</p></blockquote>" if quote else f"<p>{inner}</p>"
        )
    return nh3.clean(
        "".join(html),
        tags={"p", "br", "a", "blockquote"},
        attributes={"a": {"href"}},
        allowed_classes={"a": {MENTION_CLASS}},
        link_rel=LINK_REL,
        url_schemes={"http", "https"},
    )


def mentioned_in(text: str, participants: Sequence[Participant]) -> list[Participant]:
    """Whom the writer addresses: the participants `text` mentions outside quotes
    (a quoted passage that named someone is not the writer calling them), once each."""
    names = Names(participants)
    found: dict[int, Participant] = {}
    for quote, lines in _blocks(text):
        if quote:
            continue
        for line in lines:
            for _start, _end, participant in mentions_find(line, names):
                found.setdefault(participant.comment_id, participant)
    return list(found.values())


def link_count(text: str) -> int:
    return len(URL.findall(text))


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email else ""


@lru_cache(maxsize=4096)
def identicon_svg(seed: str, size: int = 40) -> str:
    """A 5×5 symmetric pattern and a colour from the seed: local, no request to any
    other host (never Gravatar)."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] * 360 // 256
    cell = size // 5
    rects = []
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] & 1:
                for x in {col, 4 - col}:
                    rects.append(
                        f'<rect x="{x * cell}" y="{row * cell}" width="{cell}" height="{cell}"/>'
                    )
    return (
        f'<svg class="comment__avatar" xmlns="http://www.w3.org/2000/svg" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}" aria-hidden="true" focusable="false">'
        f'<rect width="{size}" height="{size}" fill="hsl({hue} 30% 94%)"/>'
        f'<g fill="hsl({hue} 55% 38%)">{"".join(rects)}</g></svg>'
    )
