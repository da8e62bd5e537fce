import json

import pytest

from manchette.trust.typography import (
    NBSP,
    NNBSP,
    normalise,
    normalise_contentstate,
    normalise_html,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
        ("Pourquoi?", f"Pourquoi{NNBSP}?"),
        ("Vraiment ?!", f"Vraiment{NNBSP}?!"),
        ("Trois points; deux", f"Trois points{NNBSP}; deux"),
        ("Il a dit: non", f"Il a dit{NBSP}: non"),
        ("En 2020 : crise", f"En 2020{NBSP}: crise"),
        ("« Bonjour »", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("«Bonjour»", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("l'école d'aujourd'hui", "l’école d’aujourd’hui"),
        ("Et puis...", "Et puis…"),
    ],
)
def test_normalise_applies_french_typography(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize(
    "untouched",
    [
        "https://exemple.fr/page?a=1",
        "Rendez-vous à 14:30",
        "'citation' entre apostrophes droites",
        "Quatre points....",
    ],
)
def test_normalise_leaves_addresses_times_and_quotes_alone(untouched):
    assert normalise(untouched) == untouched


def test_normalise_is_idempotent():
    once = normalise("Il a dit: « l'accord... est signé » !")
    assert normalise(once) == once


def test_normalise_html_never_touches_tags_or_attributes():
    html = '<p>Voir <a href="https://x.fr/?q=1">ici</a>: oui!</p>'
    assert (
        normalise_html(html)
        == f'<p>Voir <a href="https://x.fr/?q=1">ici</a>{NBSP}: oui{NNBSP}!</p>'
    )


def test_contentstate_offsets_follow_their_text():
    state = {
        "blocks": [
            {
                "key": "a",
                "text": "Note: voir le lien... ici!",
                "type": "unstyled",
                "depth": 0,
                "inlineStyleRanges": [{"offset": 0, "length": 4, "style": "BOLD"}],
                "entityRanges": [{"offset": 14, "length": 7, "key": 0}],
                "data": {},
            }
        ],
        "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {}}},
    }
    result = json.loads(normalise_contentstate(json.dumps(state)))
    block = result["blocks"][0]
    assert block["text"] == f"Note{NBSP}: voir le lien… ici{NNBSP}!"
    bold = block["inlineStyleRanges"][0]
    link = block["entityRanges"][0]
    assert block["text"][bold["offset"] : bold["offset"] + bold["length"]] == "Note"
    assert block["text"][link["offset"] : link["offset"] + link["length"]] == "lien…"
