from __future__ import annotations

import pytest

from manchette.newsroom.tests.factories import make_article
from manchette.reactions.defaults import default_kinds_create
from manchette.reactions.models import ReactionKind


@pytest.fixture(autouse=True)
def _default_kinds(request):
    """The data migration's kinds, back after a transactional test flushed them."""
    if request.node.get_closest_marker("django_db"):
        default_kinds_create(ReactionKind)


@pytest.fixture
def article(site_tree):
    return make_article(
        site_tree.sections["international"],
        title="L’Azerbaïdjan et l’Arménie acceptent l’invitation de la Russie",
        kicker="FLASH INFO",
    )
