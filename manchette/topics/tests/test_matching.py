"""The French matcher: elisions, accents, capitals, hyphens, plurals, overlaps."""

from __future__ import annotations

import pytest

from manchette.topics.matching import TopicEntry, TopicMatcher, fold, matcher_for

ARMENIE = TopicEntry(1, "Arménie", ("Erevan",))
ARMENIENS = TopicEntry(
    2, "Arméniens (peuple)", ("Arméniens", "Arménienne", "Arméniennes")
)
KARABAKH = TopicEntry(3, "Haut-Karabakh", ("Karabakh",))
OSCE = TopicEntry(
    4, "OSCE", ("Organisation pour la sécurité et la coopération en Europe",)
)
EUROPE = TopicEntry(5, "Europe", ())
SECURITE = TopicEntry(6, "sécurité", ())
POUTINE = TopicEntry(7, "Vladimir Poutine", ("Poutine",))
CESSEZ = TopicEntry(8, "cessez-le-feu", ())
COTE = TopicEntry(9, "Côte d’Ivoire", ())
ONU = TopicEntry(10, "ONU", ("Nations unies",))
OEUVRE = TopicEntry(11, "Œuvre d'Orient", ())

MATCHER = TopicMatcher(
    [
        ARMENIE,
        ARMENIENS,
        KARABAKH,
        OSCE,
        EUROPE,
        SECURITE,
        POUTINE,
        CESSEZ,
        COTE,
        ONU,
        OEUVRE,
    ]
)


def found(text: str) -> list[tuple[int, str]]:
    return [(m.topic_id, m.words) for m in MATCHER.find(text)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("L’Arménie a signé.", "Arménie"),
        ("Le président d'Arménie parle.", "Arménie"),
        ("VIVE L’ARMENIE", "ARMENIE"),
        ("la ville d’ARMÉNIE", "ARMÉNIE"),
        ("jusqu’en Arménie", "Arménie"),
        ("arménie en minuscules", "arménie"),
    ],
)
def test_elisions_accents_and_capitals_do_not_hide_a_name(text, words):
    assert found(text) == [(1, words)]


def test_the_elided_article_stays_outside_the_mention():
    [mention] = MATCHER.find("Il doit défendre l’Arménie.")
    assert "Il doit défendre l’Arménie."[mention.start : mention.end] == "Arménie"


def test_both_apostrophes_work_inside_a_name():
    assert found("En Côte d'Ivoire et en Côte d’Ivoire") == [
        (9, "Côte d'Ivoire"),
        (9, "Côte d’Ivoire"),
    ]


def test_whole_words_only():
    assert found("Arménienne") == [(2, "Arménienne")]
    assert found("Arménieville et préArménie") == []
    assert found("L’Europeen") == []


def test_hyphenated_names_match_whole_and_are_not_cut():
    assert found("Le Haut-Karabakh est disputé.") == [(3, "Haut-Karabakh")]
    assert found("un cessez-le-feu fragile") == [(8, "cessez-le-feu")]
    # « Karabakh » is an alias, but inside « Haut-Karabakh » the longest name wins.
    assert found("le Karabakh puis le Haut-Karabakh") == [
        (3, "Karabakh"),
        (3, "Haut-Karabakh"),
    ]
    # A non-breaking hyphen is a hyphen.
    assert found("le Haut‑Karabakh") == [(3, "Haut‑Karabakh")]


def test_plurals_are_found_through_aliases():
    assert found("Les Arméniens de la diaspora") == [(2, "Arméniens")]
    assert found("des familles arméniennes") == [(2, "arméniennes")]


def test_overlapping_names_the_longest_wins():
    text = "créé par l’Organisation pour la sécurité et la coopération en Europe (OSCE)"
    assert found(text) == [
        (4, "Organisation pour la sécurité et la coopération en Europe"),
        (4, "OSCE"),
    ]
    assert found("Vladimir Poutine et Poutine") == [
        (7, "Vladimir Poutine"),
        (7, "Poutine"),
    ]


def test_every_mention_includes_names_inside_a_longer_one():
    text = "l’Organisation pour la sécurité et la coopération en Europe"
    ids = [m.topic_id for m in MATCHER.mentions_everywhere(text)]
    assert ids == [4, 6, 5]


def test_words_of_a_name_must_follow_each_other():
    assert found("Vladimir. Poutine") == [(7, "Poutine")]
    assert found("les Nations, unies") == []
    assert found("les Nations\u00a0unies") == [(10, "Nations\u00a0unies")]


def test_short_acronyms_only_match_capitals():
    assert found("L’ONU a voté") == [(10, "ONU")]
    assert found("onu") == []


def test_ligatures_fold_like_their_letters():
    assert fold("Œuvre") == "oeuvre"
    assert found("l’Oeuvre d’Orient") == [(11, "Oeuvre d’Orient")]


def test_a_matcher_is_compiled_once_per_topic_set():
    entries = (ARMENIE, POUTINE)
    assert matcher_for(entries) is matcher_for((ARMENIE, POUTINE))
    renamed = (ARMENIE, POUTINE._replace(aliases=("Poutine", "le Kremlin")))
    assert matcher_for(renamed) is not matcher_for(entries)
    assert [m.words for m in matcher_for(renamed).find("le Kremlin")] == ["le Kremlin"]


def test_no_topics_find_nothing():
    assert TopicMatcher([]).find("L’Arménie") == []
