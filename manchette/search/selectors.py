"""Search over published articles, whatever the backend: Wagtail's database backend
(SQLite FTS5 without accents here, PostgreSQL's French configuration in production).
Words also match as prefixes, so that « pourparler » finds « pourparlers » on every
backend."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.query import PageQuerySet
from wagtail.search.query import PlainText

from manchette.newsroom.models import ArticlePage, SectionPage
from manchette.newsroom.selectors import articles_live

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchFilters:
    section: SectionPage | None = None
    since: date | None = None
    until: date | None = None


def fold(text: str) -> str:
    """Lowercase without accents: « Arménie » and « ARMENIE » fold to « armenie »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def query_terms(raw: str) -> list[str]:
    cleaned = raw.replace("\x00", " ")[:MAX_QUERY_LENGTH]
    return [w for w in WORD_RE.findall(cleaned) if len(w) > 1][:MAX_TERMS]


def _filtered(filters: SearchFilters) -> PageQuerySet:
    qs = articles_live()
    if filters.section is not None:
        qs = qs.descendant_of(filters.section)
    tz = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(
            first_published_at__gte=datetime.combine(filters.since, time.min, tz)
        )
    if filters.until:
        qs = qs.filter(
            first_published_at__lt=datetime.combine(
                filters.until + timedelta(days=1), time.min, tz
            )
        )
    return qs


def article_search(
    *, query: str, filters: SearchFilters, limit: int = 200
) -> list[ArticlePage]:
    terms = query_terms(query)
    if not terms:
        return []
    qs = _filtered(filters)
    text = " ".join(terms)
    ranked = list(
        qs.search(PlainText(text, operator="and"), order_by_relevance=True)[:limit]
    )
    seen = {a.pk for a in ranked}
    # Prefix matches of every word, for plurals and word forms the backend does not stem.
    extra = qs.autocomplete(" ".join(terms)) if len(text) >= 2 else []
    for article in list(extra[:limit]):
        if article.pk not in seen and _matches_all(article, terms):
            ranked.append(article)
            seen.add(article.pk)
    return ranked


def _searchable_text(article: ArticlePage) -> str:
    return " ".join(
        [article.title, article.kicker, article.standfirst, article.body_text]
    )


def _matches_all(article: ArticlePage, terms: list[str]) -> bool:
    words = {fold(w) for w in WORD_RE.findall(_searchable_text(article))}
    return all(any(w.startswith(fold(t)) for w in words) for t in terms)


def highlight(text: str, terms: list[str], *, width: int = 220) -> SafeString:
    """An extract of ``text`` around the first match, with every term in <mark>,
    matched without regard to case or accents."""
    folded = fold(text)
    folded_terms = [fold(t) for t in terms]
    if len(folded) != len(text):  # ligatures changed the length: no offsets to share
        folded, folded_terms = text.lower(), [t.lower() for t in terms]
    first = min(
        (i for i in (folded.find(t) for t in folded_terms) if i >= 0), default=0
    )
    start = max(0, first - width // 3)
    if start > 0:  # begin the extract at a word, not inside one
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    spans: list[tuple[int, int]] = []
    for term in folded_terms:
        for m in re.finditer(re.escape(term) + r"\w*", folded[start:end]):
            spans.append((start + m.start(), start + m.end()))
    out: list[str] = []
    pos = start
    for s, e in sorted(spans):
        if s < pos:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece escaped above
