from __future__ import annotations

import pytest

from manchette.newsroom.tests.factories import make_article


@pytest.fixture
def article(site_tree):
    return make_article(
        site_tree.sections["international"],
        title="Pourparlers de paix à Moscou",
        paragraphs=[
            "Les ministres se sont réunis vendredi à Moscou pour dix heures de discussions.",
            "Le cessez-le-feu devait entrer en vigueur samedi à midi.",
        ],
    )
