"""Pages cached before an import are not served after it: what lists the new
articles (la Une, sections, feeds, sitemaps) is refreshed once the import is done."""

from __future__ import annotations

import pytest

from manchette.newsroom.models import ArticlePage
from manchette.wpimport.services import wordpress_import

from .conftest import EXPORT

pytestmark = pytest.mark.django_db


def test_pages_cached_before_an_import_are_refreshed_after_it(
    client, site_tree, tmp_path
):
    # A first import without one article (its slug made invalid: skipped whole)...
    first = tmp_path / "export.xml"
    first.write_text(
        EXPORT.read_text().replace(
            "<wp:post_name><![CDATA[ankara-reaffirme-son-soutien-total-a-bakou]]>",
            "<wp:post_name><![CDATA[ankara/réaffirme ?]]>",
        )
    )
    wordpress_import(path=first, media_dir=None)
    section = site_tree.sections["international"]  # where that article goes
    urls = ["/", section.url, "/flux/rss/", "/sitemap.xml"]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "HIT"
    # ... then the whole export: the missing article is published, listed at once.
    wordpress_import(path=EXPORT, media_dir=None)
    article = ArticlePage.objects.get(title__startswith="Ankara")
    for url in urls:
        response = client.get(url)
        assert response["X-Cache"] == "MISS", url
    assert article.title in client.get("/").content.decode()
