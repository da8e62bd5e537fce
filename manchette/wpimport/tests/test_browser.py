"""In a real browser: an old WordPress address of an imported article leads to its
new page, with its comment thread; no request leaves the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_site
from manchette.wpimport.models import WordPressItem
from manchette.wpimport.services import wordpress_import

from .conftest import EXPORT, UPLOADS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]

OLD = "/2020/11/10/haut-karabakh-un-accord-de-fin-des-hostilites-signe-sous-legide-de-moscou/"


def test_old_wordpress_address_opens_the_imported_article_with_its_comments(
    browser, live_server, third_party_requests
):
    make_site()
    wordpress_import(path=EXPORT, media_dir=UPLOADS)
    article = ArticlePage.objects.get(
        pk=WordPressItem.objects.get(kind="post", wp_id=18).object_id
    )
    local = urlsplit(live_server.url).netloc
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1200, "height": 900}
    )
    try:
        page = context.new_page()
        page.on(
            "request",
            lambda request: (
                urlsplit(request.url).netloc not in ("", local)
                and third_party_requests.append(request.url)
            ),
        )
        page.goto(live_server.url + OLD)
        assert urlsplit(page.url).path == article.url
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading.replace("\u00a0", " ").replace("\u202f", " ") == article.title
        assert page.locator(".article__body figure.body-image img").count() == 1
        assert page.get_by_role("link", name="Voir sur YouTube").count() == 1
        assert page.locator(".comment").count() >= 15
        page.screenshot(
            path=str(settings.BASE_DIR / "test-artifacts" / "wpimport-article.png"),
            full_page=True,
        )
        page.goto(live_server.url + "/?p=4")
        assert urlsplit(page.url).path.endswith(
            "/haut-karabakh-paris-moscou-et-washington-appellent-a-un-cessez-le-feu-immediat/"
        )
        page.goto(live_server.url + "/?p=6")
        page.locator(
            ".comments, #commentaires, .discussion"
        ).first.scroll_into_view_if_needed()
        page.screenshot(
            path=str(settings.BASE_DIR / "test-artifacts" / "wpimport-comments.png"),
            full_page=False,
        )
    finally:
        context.close()
    assert third_party_requests == []
