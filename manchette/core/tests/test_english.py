"""The English catalogue: a site set to English shows English, and the catalogue is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from manchette.newsroom.tests.factories import make_article

pytestmark = pytest.mark.django_db

CATALOGUE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = CATALOGUE_DIR / "django.po"
MO_PATH = CATALOGUE_DIR / "django.mo"

# Strings that must not survive into English: French UI labels of the shared layout,
# and the French typography (non-breaking spaces, guillemets) the source strings carry.
FRENCH_LABELS = [
    "Aller au contenu",
    "La Une",
    "Rubriques",
    "Rechercher sur le site",
    "Mentions légales",
    "Politique de confidentialité",
    "Réseaux sociaux",
    "Sans traceur",
    "Aucun article publié",
]
FRENCH_TYPOGRAPHY = re.compile("[\u00a0\u202f«»]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|%[sd]|<[^>]+>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def po_entries(path: Path) -> list[Entry]:
    """Every entry of a .po file except the header (a small reader: no dependency needed)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if current == "msgid":
                    entry.msgid += text
                elif current == "msgid_plural":
                    entry.msgid_plural += text
                else:
                    entry.msgstr[current] += text
            else:
                keyword, _, quoted = line.partition(" ")
                text = ast.literal_eval(quoted)
                if keyword == "msgid":
                    current, entry.msgid = "msgid", text
                elif keyword == "msgid_plural":
                    current, entry.msgid_plural = "msgid_plural", text
                elif keyword == "msgstr":
                    current, entry.msgstr[0] = 0, text
                elif keyword.startswith("msgstr["):
                    current = int(keyword[7:-1])
                    entry.msgstr[current] = text
        if entry.msgid:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return po_entries(PO_PATH)


@pytest.fixture
def english():
    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        yield


def test_a_site_set_to_english_shows_its_home_page_in_english(
    client, site_tree, english
):
    make_article(
        site_tree.sections["international"], title="Summit ends without agreement"
    )

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    for label in [
        "Skip to content",
        "Front page",
        "Sections",
        "Search the site",
        "Legal notice",
        "Privacy policy",
    ]:
        assert label in html, label
    for label in FRENCH_LABELS:
        assert label not in html, label


def test_a_site_left_in_french_still_shows_french(client, site_tree):
    html = client.get("/").content.decode()

    assert "Aller au contenu" in html
    assert "Skip to content" not in html


def test_every_entry_of_the_english_catalogue_is_translated_and_checked(catalogue):
    assert len(catalogue) > 600  # the whole UI, not a stub
    untranslated = [
        e.msgid
        for e in catalogue
        if not all(e.msgstr.values()) or len(e.msgstr) != (2 if e.msgid_plural else 1)
    ]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_english_strings_keep_their_placeholders_and_drop_french_typography(catalogue):
    broken = []
    for entry in catalogue:
        sources = (
            [entry.msgid]
            if entry.msgid_plural is None
            else [entry.msgid, entry.msgid_plural]
        )
        for index, source in enumerate(sources):
            english = entry.msgstr.get(index, "")
            if sorted(PLACEHOLDER.findall(source)) != sorted(
                PLACEHOLDER.findall(english)
            ):
                broken.append(("placeholders", source, english))
            if FRENCH_TYPOGRAPHY.search(english):
                broken.append(("typography", source, english))
            if (source[:1].isspace(), source[-1:].isspace()) != (
                english[:1].isspace(),
                english[-1:].isspace(),
            ):
                broken.append(("whitespace", source, english))
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    """Someone who edits the .po file must run compilemessages: the .mo must say the same.

    Compared by content rather than by file dates, which a git checkout does not keep.
    """
    with MO_PATH.open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = []
    for entry in catalogue:
        if entry.msgid_plural is None:
            if compiled.gettext(entry.msgid) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif [
            compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)
        ] != [entry.msgstr[0], entry.msgstr[1]]:
            stale.append(entry.msgid)
    assert stale == []
