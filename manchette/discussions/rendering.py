"""A comment's text, turned into HTML once, at write time: paragraphs, line breaks,
quotes and links, nothing else. And the avatar, drawn here from a hash."""

from __future__ import annotations

import hashlib
import re
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


def _paragraph(block: str, *, links: bool) -> str:
    lines = block.split("\n")
    quote = all(line.startswith(">") for line in lines)
    if quote:
        lines = [line[1:].lstrip() for line in lines]
    html = "<br>".join(escape(line) for line in lines)
    if links:
        html = URL.sub(_link, html)
    return f"<blockquote><p>{html}</p></blockquote>" if quote else f"<p>{html}</p>"


def body_render(text: str, *, links: bool) -> str:
    """Sanitised HTML for a comment (escaped first, then nh3 as a second wall)."""
    text = BIDI_CONTROLS.sub("", text_normalize(text)).strip()
    blocks = [b.strip("\n") for b in PARAGRAPH_BREAK.split(text) if b.strip()]
    html = "".join(_paragraph(b, links=links) for b in blocks)
    return nh3.clean(
        html,
        tags={"p", "br", "a", "blockquote"},
        attributes={"a": {"href"}},
        link_rel=LINK_REL,
        url_schemes={"http", "https"},
    )


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
