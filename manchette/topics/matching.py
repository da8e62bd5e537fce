"""Finding topics' names and aliases in French text: pure functions, no database.

Used both to link mentions in a rendered article and to suggest topics when an editor
saves one. The text is cut into words (hyphenated words such as « Haut-Karabakh » or
« cessez-le-feu » are one word); each word is compared in a folded form: lower case,
without accents, « œ » as « oe ». Apostrophes separate words, so an elided article
(« l’Arménie », « d'Arménie », « qu’Erevan ») is a word of its own and stays outside the
match. A name of several words matches only when its words follow each other, separated
by spaces or apostrophes. Plurals and other forms are aliases: « Arméniens » is found as
the topic whose alias it is. Where two names overlap, the longest wins.

Short acronyms written in capitals (« ONU », « PS », « UE ») only match words written
in capitals, so that a common word is never taken for one.

A compiled matcher is kept per process for each distinct set of topics (`matcher_for`):
it depends only on the topics' ids, names and aliases, so any change to them gives a new
key and nothing needs invalidating.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

WORD_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
# What may separate two words of one name: spaces (including non-breaking ones) and
# apostrophes (« Côte d’Ivoire »); punctuation ends a name.
JOINER_RE = re.compile(r"[\s'’ʼ‘]+")
ACRONYM_MAX_LETTERS = 5
MATCHERS_KEPT = 64


class TopicEntry(NamedTuple):
    """What the matcher needs of a topic; hashable, so that it keys the cache."""

    pk: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    topic_id: int
    start: int
    end: int
    words: str


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    key: str
    capitals: bool


@dataclass(frozen=True, slots=True)
class _Phrase:
    keys: tuple[str, ...]
    # Per word: True when the text's word must be written in capitals (acronyms).
    needs_capitals: tuple[bool, ...]
    topic_id: int


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """« Arménie », « ARMENIE » and « arménie » all give « armenie »."""
    text = word.casefold().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("‐", "-").replace("‑", "-")


def words_of(text: str) -> list[_Word]:
    return [
        _Word(m.start(), m.end(), fold(m.group()), m.group().isupper())
        for m in WORD_RE.finditer(text)
    ]


def fold_phrase(text: str) -> tuple[str, ...]:
    """The folded words of a name: « L’Arménie » gives ("l", "armenie")."""
    return tuple(word.key for word in words_of(text))


def _is_acronym(word: str) -> bool:
    letters = word.replace("-", "")
    return (
        letters.isalpha()
        and letters.isupper()
        and 2 <= len(letters) <= ACRONYM_MAX_LETTERS
    )


class TopicMatcher:
    """All the names and aliases of a set of topics, indexed by their first word."""

    def __init__(self, entries: Iterable[TopicEntry]) -> None:
        index: dict[str, list[_Phrase]] = {}
        seen: set[tuple[tuple[str, ...], int]] = set()
        for entry in entries:
            for name in (entry.name, *entry.aliases):
                raw_words = [m.group() for m in WORD_RE.finditer(name)]
                keys = tuple(fold(w) for w in raw_words)
                if not keys or (keys, entry.pk) in seen:
                    continue
                seen.add((keys, entry.pk))
                phrase = _Phrase(
                    keys, tuple(_is_acronym(w) for w in raw_words), entry.pk
                )
                index.setdefault(keys[0], []).append(phrase)
        for phrases in index.values():
            phrases.sort(key=lambda p: len(p.keys), reverse=True)
        self._index = index

    def __bool__(self) -> bool:
        return bool(self._index)

    def _phrases_at(self, text: str, words: list[_Word], i: int) -> list[_Phrase]:
        """Every phrase that starts at word i, longest first."""
        found = []
        for phrase in self._index.get(words[i].key, ()):
            size = len(phrase.keys)
            if i + size > len(words):
                continue
            if all(
                (not phrase.needs_capitals[j] or words[i + j].capitals)
                and (
                    j == 0
                    or (
                        words[i + j].key == phrase.keys[j]
                        and JOINER_RE.fullmatch(
                            text, words[i + j - 1].end, words[i + j].start
                        )
                    )
                )
                for j in range(size)
            ):
                found.append(phrase)
        return found

    def find(self, text: str) -> list[Mention]:
        """Mentions from left to right, never overlapping: at each place the longest
        name wins (« Organisation pour la sécurité et la coopération en Europe » is one
        mention, not three)."""
        words = words_of(text)
        mentions = []
        i = 0
        while i < len(words):
            phrases = self._phrases_at(text, words, i)
            if not phrases:
                i += 1
                continue
            phrase = phrases[0]
            end = words[i + len(phrase.keys) - 1].end
            start = words[i].start
            mentions.append(Mention(phrase.topic_id, start, end, text[start:end]))
            i += len(phrase.keys)
        return mentions

    def mentions_everywhere(self, text: str) -> list[Mention]:
        """Every place where each topic is named, including names inside a longer name
        (« Europe » inside « … la coopération en Europe »): one per topic and place, the
        longest. Linking chooses among them."""
        words = words_of(text)
        mentions = []
        for i in range(len(words)):
            topics_here: set[int] = set()
            for phrase in self._phrases_at(text, words, i):
                if phrase.topic_id in topics_here:
                    continue
                topics_here.add(phrase.topic_id)
                start, end = words[i].start, words[i + len(phrase.keys) - 1].end
                mentions.append(Mention(phrase.topic_id, start, end, text[start:end]))
        return mentions


@lru_cache(maxsize=MATCHERS_KEPT)
def matcher_for(entries: tuple[TopicEntry, ...]) -> TopicMatcher:
    """The compiled matcher for these topics, built once per process and topic set."""
    return TopicMatcher(entries)
