"""Cross-app fixtures only: the site tree every app's tests build on."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from manchette.newsroom.tests.factories import make_site


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (page cache, rate limits, live history)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test databases, and at the end, before pytest-django drops them, the
    connections PostgreSQL's pool still holds closed (else the drop is refused: "is
    being accessed by other users", and the database is left behind)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            connection.close()
            close_pool = getattr(connection, "close_pool", None)
            if close_pool is not None:
                close_pool()


@pytest.fixture
def site_tree(db):
    """A home page with the six standard sections, as the demo and a new install have."""
    return make_site()


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser(username="redaction", password="motdepasse-test")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (tests marked `browser`)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # make beside it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def third_party_requests():
    """A list that browser tests fill with every request to another host (to assert it stays empty)."""
    return []


def pytest_collection_modifyitems(items):
    """Every transactional test starts from the migrated database. After a test with
    `serialized_rollback`, Django empties the database without re-creating what the
    migrations made (content types, permissions, Wagtail's root page), and restores
    it only before the next test that asks for it: a transactional test that came
    next in the same worker met an empty database (a page refused its content type,
    an editor could not log in)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if not marker.kwargs.get("serialized_rollback"):
            restoring = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **restoring), append=False)
