"""Share links: plain links to each network, the canonical URL, no third-party script."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _canonical(html: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)


def test_share_links_under_the_title_and_after_the_body_carry_the_canonical_url(
    client, article
):
    html = client.get(article.url).content.decode()
    canonical = _canonical(html)
    assert html.count('class="share share--top"') == 1
    assert html.count('class="share share--bottom"') == 1
    encoded = quote(canonical, safe="")
    for expected in (
        f"https://www.facebook.com/sharer/sharer.php?u={encoded}",
        "https://x.com/intent/post?text=",
        f"https://www.linkedin.com/sharing/share-offsite/?url={encoded}",
        "https://wa.me/?text=",
        "https://bsky.app/intent/compose?text=",
        f"/partager/mastodon/{article.pk}/",
        "mailto:?subject=",
    ):
        assert expected in html.replace("&amp;", "&")
    assert html.count(encoded) >= 2 * 5
    # No script from anywhere else: every <script> is ours.
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/static/")
    assert "Copier le lien" in html and "data-share-native" in html


def test_mastodon_without_javascript_asks_the_instance_then_goes_there(client, article):
    page = client.get(f"/partager/mastodon/{article.pk}/")
    assert page.status_code == 200
    assert 'name="instance"' in page.content.decode()
    response = client.post(
        f"/partager/mastodon/{article.pk}/", {"instance": "https://Piaille.fr/@moi"}
    )
    assert response.status_code == 200
    link = re.search(
        r'href="(https://piaille\.fr/share\?text=[^"]+)"', response.content.decode()
    )
    assert link is not None
    assert quote(article.title[:20], safe="") in link.group(1)
    assert "%2Finternational%2F" in link.group(1)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "localhost",
        "javascript:alert(1)",
        "mon instance.fr",
        "192.168.0.1",
        "exa_mple.org",
        "a" * 300,
    ],
)
def test_mastodon_refuses_what_is_not_an_instance(client, article, typed):
    response = client.post(f"/partager/mastodon/{article.pk}/", {"instance": typed})
    assert response.status_code == 400
    assert "instance Mastodon" in response.content.decode()


def test_mastodon_cannot_bounce_a_reader_from_another_site(article):
    client = Client()
    response = client.post(
        f"/partager/mastodon/{article.pk}/",
        {"instance": "evil.example"},
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403


def test_the_open_graph_image_is_drawn_once_and_served_from_media(client, article):
    from django.conf import settings

    html = client.get(article.url).content.decode()
    og = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og.startswith(settings.SITE_URL + settings.MEDIA_URL + "og/")
    path = settings.MEDIA_ROOT / "og" / og.rsplit("/", 1)[1]
    assert path.exists()
    from PIL import Image

    with Image.open(path) as image:
        assert image.size == (1200, 630)
    stamp = path.stat().st_mtime_ns
    client.get(article.url + "?autre=1")
    assert path.stat().st_mtime_ns == stamp
