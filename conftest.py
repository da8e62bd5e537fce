"""Cross-app fixtures only: the site tree every app's tests build on."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from manchette.newsroom.tests.factories import make_site


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (page cache, rate limits, live history)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_tree(db):
    """A home page with the six standard sections, as the demo and a new install have."""
    return make_site()


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser(username="redaction", password="motdepasse-test")
