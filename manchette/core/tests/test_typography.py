"""French typography in rendered text."""

from __future__ import annotations

from manchette.core.templatetags.manchette import date_long, typo


def test_typo_adds_non_breaking_spaces_before_double_punctuation_and_inside_guillemets():
    assert (
        str(typo("Vraiment ? « Oui » ; enfin !"))
        == "Vraiment\u202f? «\u202fOui\u202f»\u202f; enfin\u202f!"
    )


def test_typo_leaves_character_references_and_tags_whole():
    html = str(typo("L'avis <b>d'un</b> expert"))
    assert "&#x27;" in html
    assert "&#x27 ;" not in html
    assert "&lt;b&gt;" in html


def test_dates_read_as_a_french_newspaper_writes_them():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    with translation.override("fr"):
        assert (
            date_long(datetime(2020, 10, 9, 12, 5, tzinfo=ZoneInfo("UTC")))
            == "vendredi 9 octobre 2020 à 14\u00a0h\u00a005"
        )
