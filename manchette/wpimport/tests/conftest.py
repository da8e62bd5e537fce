"""The real WordPress 6.1.9 export (a copy of shared/fixtures/wordpress, kept here so
that the tests need nothing outside the repository) and what it should become."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import transaction

from manchette.newsroom.tests.factories import make_site
from manchette.wpimport.services import wordpress_import

FIXTURE = Path(__file__).parent / "fixtures" / "wordpress"
EXPORT = FIXTURE / "courrier-du-caucase.WordPress.xml"
UPLOADS = FIXTURE / "uploads"
WP = "{http://wordpress.org/export/1.2/}"


@dataclass
class ExpectedItem:
    id: int
    type: str
    status: str
    title: str
    slug: str
    link: str
    date_gmt: str
    categories: list[str]
    tags: list[str]
    meta: dict[str, str]
    comments: list[dict[str, str]] = field(default_factory=list)


def expected_items() -> dict[int, ExpectedItem]:
    """The export read independently of the importer, with ElementTree in one go."""
    tree = ET.parse(EXPORT)  # noqa: S314 - our own fixture
    items = {}
    for item in tree.iter("item"):
        meta = {
            m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") or ""
            for m in item.findall(f"{WP}postmeta")
        }
        comments = []
        for c in item.findall(f"{WP}comment"):
            row = {child.tag.removeprefix(WP): child.text or "" for child in c}
            row["meta"] = {  # type: ignore[assignment]
                m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") or ""
                for m in c.findall(f"{WP}commentmeta")
            }
            comments.append(row)
        expected = ExpectedItem(
            id=int(item.findtext(f"{WP}post_id") or 0),
            type=item.findtext(f"{WP}post_type") or "",
            status=item.findtext(f"{WP}status") or "",
            title=item.findtext("title") or "",
            slug=item.findtext(f"{WP}post_name") or "",
            link=item.findtext("link") or "",
            date_gmt=item.findtext(f"{WP}post_date_gmt") or "",
            categories=[
                c.get("nicename", "")
                for c in item.findall("category")
                if c.get("domain") == "category"
            ],
            tags=[
                c.get("nicename", "")
                for c in item.findall("category")
                if c.get("domain") == "post_tag"
            ],
            meta=meta,  # type: ignore[arg-type]
            comments=comments,
        )
        items[expected.id] = expected
    return items


@pytest.fixture(scope="session")
def export_items() -> dict[int, ExpectedItem]:
    return expected_items()


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The export imported once per module, with its media, into the standard test
    site; each test runs inside (and rolls back to) this state."""
    with django_db_blocker.unblock(), transaction.atomic():
        make_site()
        yield wordpress_import(path=EXPORT, media_dir=UPLOADS)
        transaction.set_rollback(True)
