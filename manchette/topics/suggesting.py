"""Suggesting topics for a text: known topics through their names and aliases (the
French matcher), and new people, places and organisations through spaCy's French
pipeline. Pure functions of the text and the known topics: no database, so that the
management command, the background task and the evaluation share them.

The spaCy pipeline is loaded lazily, once per process, with only its named-entity
recogniser: about 75 MB and 3 s on first use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from manchette.topics import conf
from manchette.topics.matching import (
    WORD_RE,
    TopicEntry,
    fold,
    fold_phrase,
    matcher_for,
)

logger = logging.getLogger(__name__)

ENTITY_KINDS = {"PER": "person", "LOC": "place", "ORG": "organisation"}
# The ner component embeds words itself: the shared tok2vec only serves the parts
# left out, and skipping it halves the time of a suggestion, with the same entities.
UNUSED_PIPES = [
    "tok2vec",
    "parser",
    "lemmatizer",
    "morphologizer",
    "attribute_ruler",
    "senter",
]
ELISION_RE = re.compile(
    r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ]\s*", re.IGNORECASE
)
# Small words that may stay lower case inside a person's name.
NAME_PARTICLES = frozenset(
    {
        "de",
        "du",
        "des",
        "d",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "ben",
        "bin",
        "al",
        "el",
        "ibn",
        "da",
        "di",
        "dos",
        "y",
    }
)
# Words that start a capitalised phrase without naming anyone or anything.
NOT_NAMES = frozenset(
    {
        "premier",
        "president",
        "presidente",
        "ministre",
        "ministere",
        "etat",
        "etats",
        "gouvernement",
        "selon",
        "mais",
        "alors",
        "ainsi",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    }
)


@dataclass
class FoundTopic:
    """One suggestion: a known topic, or a new entity (topic_id None)."""

    name: str
    kind: str
    key: str
    topic_id: int | None = None
    words: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.topic_id is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.name,
            "kind": self.kind,
            "known": self.known,
            "topic_id": self.topic_id,
            "words": self.words,
        }


_model: Any = None
_model_lock = threading.Lock()


def language_model() -> Any:
    """spaCy's French pipeline, loaded on first use and kept for the process."""
    global _model  # one model per process, by design
    if _model is None:
        with _model_lock:
            if _model is None:
                import spacy

                _model = spacy.load(conf.spacy_model(), exclude=UNUSED_PIPES)
    return _model


def language_model_loaded() -> bool:
    return _model is not None


def known_topics_in(
    text: str, *, entries: Sequence[TopicEntry], kinds: dict[int, str]
) -> tuple[list[FoundTopic], list[tuple[int, int]]]:
    """Known topics named in the text (in order of first mention), and the spans of
    their mentions."""
    matcher = matcher_for(tuple(sorted(entries)))
    names = {entry.pk: entry.name for entry in entries}
    found: dict[int, FoundTopic] = {}
    spans = []
    for mention in matcher.find(text):
        spans.append((mention.start, mention.end))
        topic = found.setdefault(
            mention.topic_id,
            FoundTopic(
                name=names[mention.topic_id],
                kind=kinds.get(mention.topic_id, "theme"),
                key=f"topic:{mention.topic_id}",
                topic_id=mention.topic_id,
            ),
        )
        if mention.words not in topic.words:
            topic.words.append(mention.words)
    return list(found.values()), spans


def _clean_entity(text: str) -> str:
    text = ELISION_RE.sub("", text.strip()).strip(" \t\n-–—,.;:!?«»\"'’()")
    return re.sub(r"\s+", " ", text)


def _looks_like_a_name(name: str, kind: str) -> bool:
    words = name.split()
    if not words or len(name) < 2 or not name[0].isupper():
        return False
    if fold(words[0]) in NOT_NAMES:
        return False
    if kind == "person":
        return all(w[0].isupper() or fold(w) in NAME_PARTICLES for w in words)
    # Places and organisations: capitalised at both ends (« Banque de France », not
    # « Affaires étrangères respectifs »), or a name of one or two words.
    return len(words) <= 2 or words[-1][0].isupper() or words[-1].isupper()


def _titled(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _part_of_known(
    text: str, start: int, end: int, known_spans: Sequence[tuple[int, int]]
) -> bool:
    """Whether an entity is a known topic's mention, alone or with words that do not
    make another name: « L’Arménie », « Europe » inside « … coopération en Europe »,
    « La France », « Arménie ancienne ». A longer name made of capitalised words
    around a known one (« Stade de France ») is something else."""
    overlapping = sorted((s, e) for s, e in known_spans if s < end and start < e)
    if not overlapping:
        return False
    rest, pos = [], start
    for s, e in overlapping:
        rest.append(text[pos : max(s, pos)])
        pos = max(pos, e)
    rest.append(text[pos:end])
    extra = WORD_RE.findall(" ".join(rest))
    names = [w for w in extra if fold(w) not in NAME_PARTICLES]
    return not names or not all(_titled(w) for w in names)


def new_entities_in(
    text: str, *, known_spans: Sequence[tuple[int, int]] = ()
) -> list[FoundTopic]:
    """People, places and organisations spaCy finds, that are not known topics: most
    mentioned first."""
    try:
        doc = language_model()(text)
    except OSError:  # the model is not installed: known topics still work
        logger.warning("spaCy model %s unavailable", conf.spacy_model())
        return []
    labels: dict[str, Counter[str]] = {}
    forms: dict[str, FoundTopic] = {}
    counts: Counter[str] = Counter()
    for ent in doc.ents:
        kind = ENTITY_KINDS.get(ent.label_)
        if kind is None:
            continue
        name = _clean_entity(ent.text)
        name_start = ent.start_char + max(ent.text.find(name), 0)
        if _part_of_known(text, name_start, name_start + len(name), known_spans):
            continue
        if not _looks_like_a_name(name, kind):
            continue
        key = "new:" + " ".join(fold_phrase(name))
        labels.setdefault(key, Counter())[kind] += 1
        counts[key] += 1
        found = forms.setdefault(key, FoundTopic(name=name, kind=kind, key=key))
        if ent.text not in found.words:
            found.words.append(ent.text)
    people = [
        f for f in forms.values() if labels[f.key].most_common(1)[0][0] == "person"
    ]
    result = []
    for key, _count in counts.most_common():
        found = forms[key]
        found.kind = labels[key].most_common(1)[0][0]
        # « Poutine » after « Vladimir Poutine »: the same person, named shorter.
        if found.kind == "person" and any(
            other is not found and other.key.endswith(" " + key.removeprefix("new:"))
            for other in people
        ):
            continue
        result.append(found)
    return result


def suggestions_for_text(
    text: str,
    *,
    entries: Sequence[TopicEntry],
    kinds: dict[int, str],
    with_new_entities: bool = True,
) -> list[FoundTopic]:
    """Known topics first (in order of first mention), then new entities."""
    known, spans = known_topics_in(text, entries=entries, kinds=kinds)
    if not with_new_entities:
        return known
    return known + new_entities_in(text, known_spans=spans)
