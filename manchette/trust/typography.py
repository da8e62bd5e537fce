"""French typography for what editors type: non-breaking spaces before ; : ! ? and
inside « », typographic apostrophes, the ellipsis character.

Pure functions. `normalise_mapped` also says where every character went, so that the
offsets of Draftail's rich text (styles, links) follow the text they belong to."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ! ? and inside « »
SPACES = " \t\u00a0\u202f"

# (pattern, replacement for the whole match); applied in this order.
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # l'école, aujourd'hui → l’école, aujourd’hui (a letter on both sides only:
    # quotes around a word and code are left alone)
    (re.compile(r"(?<=\w)'(?=\w)"), lambda m: "\u2019"),
    (re.compile(r"(?<!\.)\.\.\.(?!\.)"), lambda m: "\u2026"),
    # Before ; ! ? when they end a phrase (not in "?a=1" or "!important"), and only
    # once in "?!".
    (
        re.compile(rf"(?<=[^\s;:!?«])[{SPACES}]*([;!?])(?=[\s»\"”)\]!?…]|$)"),
        lambda m: NNBSP + m.group(1),
    ),
    # Before a colon followed by a space or the end (not 14:30, not https://).
    (
        re.compile(rf"(?<=[^\s;:!?«])[{SPACES}]*(:)(?=\s|$)"),
        lambda m: NBSP + m.group(1),
    ),
    (re.compile(rf"«[{SPACES}]*"), lambda m: "«" + NNBSP),
    (re.compile(rf"[{SPACES}]*»"), lambda m: NNBSP + "»"),
]


def _apply(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str
) -> tuple[str, list[int]]:
    """One substitution pass, with the new position of every old position."""
    out: list[str] = []
    positions: list[int] = []
    last = 0
    size = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        for i in range(last, start):
            positions.append(size + i - last)
        out.append(text[last:start])
        size += start - last
        new = repl(match)
        for i in range(start, end):
            positions.append(size + min(i - start, len(new)))
        out.append(new)
        size += len(new)
        last = end
    for i in range(last, len(text)):
        positions.append(size + i - last)
    out.append(text[last:])
    size += len(text) - last
    positions.append(size)
    return "".join(out), positions


def normalise_mapped(text: str) -> tuple[str, list[int]]:
    """The normalised text, and for each position of the original (and its end) the
    matching position in the result."""
    mapping = list(range(len(text) + 1))
    for pattern, repl in _RULES:
        text, step = _apply(pattern, repl, text)
        mapping = [step[p] for p in mapping]
    return text, mapping


def normalise(text: str) -> str:
    return normalise_mapped(text)[0]


def normalise_html(html: str) -> str:
    """Normalise the text of an HTML fragment, never its tags or attributes."""
    out: list[str] = []
    last_char = " "
    for part in re.split(r"(<[^>]+>)", html):
        if part.startswith("<"):
            out.append(part)
            continue
        if not part:
            continue
        # A stand-in for the text before an inline tag ("<a>ici</a>: oui"), so that
        # punctuation right after the tag gets its space too.
        glued = not last_char.isspace()
        fixed = normalise(("x" if glued else "") + part)
        out.append(fixed[1:] if glued else fixed)
        last_char = part[-1]
    return "".join(out)


def normalise_contentstate(raw: str) -> str:
    """Normalise Draftail's rich text (a JSON ContentState), moving the offsets of
    inline styles and entities (links) with their text."""
    try:
        state = json.loads(raw)
        blocks = state["blocks"]
    except (ValueError, TypeError, KeyError):
        return raw
    for block in blocks:
        text = block.get("text", "")
        # Draft.js counts UTF-16 units; outside the BMP they differ from Python's.
        if not isinstance(text, str) or any(ord(c) > 0xFFFF for c in text):
            continue
        new_text, mapping = normalise_mapped(text)
        if new_text == text:
            continue
        block["text"] = new_text
        for key in ("inlineStyleRanges", "entityRanges"):
            for item in block.get(key, []):
                start = min(max(int(item["offset"]), 0), len(text))
                end = min(start + max(int(item["length"]), 0), len(text))
                item["offset"] = mapping[start]
                item["length"] = mapping[end] - mapping[start]
    return json.dumps(state, ensure_ascii=False)


def contentstate_text(raw: str) -> str:
    try:
        return "\n".join(b.get("text", "") for b in json.loads(raw)["blocks"])
    except (ValueError, TypeError, KeyError):
        return raw


@dataclass(frozen=True)
class Change:
    """One field or block the normaliser changed, for the editors' preview."""

    label: str
    before: str
    after: str
    block_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def visible(text: str) -> str:
    """Make the invisible spaces visible, for a preview: ⍽ for a non-breaking one."""
    return text.replace(NNBSP, "\u2423").replace(NBSP, "\u2423")
