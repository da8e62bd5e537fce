"""Writes on the newsroom's page tree."""

from __future__ import annotations

from django.conf import settings
from wagtail.models import Collection, Locale, Page


def site_root_ensure() -> Page:
    """Wagtail's invisible root page and root collection (made by its migrations);
    recreated when a database was emptied after migrating, as test runs do."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is not None:
        return root
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    return Page.add_root(instance=Page(title="Root", slug="root"))
