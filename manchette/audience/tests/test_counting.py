from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from manchette.audience import selectors, services
from manchette.audience.models import DIRECT, INTERNAL, HourlyViews
from manchette.newsroom.tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
)


@pytest.fixture
def article(site_tree):
    return make_article(
        site_tree.sections["economie"],
        title="Le prix du pain",
        topics=[make_topic("Inflation")],
    )


def _beacon(client, article_id, referrer="", **headers):
    return client.post(
        reverse("audience:beacon"),
        {"a": article_id, "r": referrer},
        headers={"User-Agent": BROWSER_UA, **headers},
    )


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        ("", DIRECT),
        ("https://www.google.com/search?q=secret", "google.com"),
        ("mastodon.social", "mastodon.social"),
        ("testserver", INTERNAL),
        ("<script>", "autre"),
    ],
)
def test_only_the_referring_domain_is_kept(referrer, expected):
    assert (
        services.referrer_domain(referrer=referrer, own_host="testserver") == expected
    )


def test_views_of_one_hour_share_one_counter(client, article):
    for _ in range(3):
        response = _beacon(client, article.pk, "https://www.qwant.com/?q=pain")
        assert response.status_code == 204
        assert not response.cookies
        assert response["Cache-Control"] == "no-store"
    _beacon(client, article.pk)
    rows = {(r.referrer, r.views) for r in HourlyViews.objects.all()}
    assert rows == {("qwant.com", 3), (DIRECT, 1)}
    assert [f.name for f in HourlyViews._meta.get_fields()] == [
        "id",
        "hour",
        "article",
        "referrer",
        "views",
    ]  # nothing that could identify a reader


def test_a_new_hour_starts_a_new_counter(article):
    now = timezone.now()
    services.view_record(article_id=article.pk, referrer="", at=now)
    services.view_record(
        article_id=article.pk, referrer="", at=now + timedelta(hours=1)
    )
    assert HourlyViews.objects.count() == 2


def test_robots_unknown_and_unpublished_articles_are_not_counted(
    client, site_tree, article
):
    draft = make_article(site_tree.sections["sport"], publish=False, live=False)
    _beacon(client, article.pk, **{"User-Agent": "Googlebot/2.1"})
    _beacon(client, 999999)
    _beacon(client, draft.pk)
    client.post(reverse("audience:beacon"), {"a": "abc"})
    assert HourlyViews.objects.count() == 0


def test_the_noscript_pixel_counts_too(client, article):
    response = client.get(
        reverse("audience:pixel"), {"a": article.pk}, headers={"User-Agent": BROWSER_UA}
    )
    assert response["Content-Type"] == "image/gif"
    assert HourlyViews.objects.get().views == 1


def test_the_article_page_carries_the_beacon_and_stays_cached(client, article):
    html = client.get(article.url).content.decode()
    assert f'data-audience-article="{article.pk}"' in html
    assert f"{reverse('audience:pixel')}?a={article.pk}" in html
    _beacon(client, article.pk)
    assert client.get(article.url)["X-Cache"] == "HIT"


def test_sections_topics_and_referrers_are_derived_from_the_counters(
    site_tree, article
):
    other = make_article(site_tree.sections["sport"], title="Le match")
    for _ in range(3):
        services.view_record(article_id=article.pk, referrer="google.com")
    services.view_record(article_id=other.pk, referrer=INTERNAL)
    since = timezone.now() - timedelta(days=1)
    assert [(r.label, r.views) for r in selectors.views_by_section(since=since)] == [
        ("Économie", 3),
        ("Sport", 1),
    ]
    assert [(r.label, r.views) for r in selectors.views_by_topic(since=since)] == [
        ("Inflation", 3)
    ]
    assert [(r.label, r.views) for r in selectors.views_by_referrer(since=since)] == [
        ("google.com", 3),
        ("pages du site", 1),
    ]
    assert [(r.label, r.views) for r in selectors.top_articles(since=since)] == [
        ("Le prix du pain", 3),
        ("Le match", 1),
    ]
    hours = selectors.views_per_hour(hours=48)
    assert len(hours) == 48 and hours[-1][1] == 4 and sum(v for _h, v in hours) == 4


def test_counters_older_than_thirteen_months_are_deleted(article):
    services.view_record(
        article_id=article.pk, referrer="", at=timezone.now() - timedelta(days=400)
    )
    services.view_record(article_id=article.pk, referrer="")
    assert services.views_prune() == 1
    assert HourlyViews.objects.count() == 1


def test_dashboard_shows_charts_and_tables_and_exports_csv(client, editor, article):
    for _ in range(2):
        services.view_record(article_id=article.pk, referrer="bsky.app")
    client.force_login(editor)
    html = client.get(reverse("audience_dashboard")).content.decode()
    assert html.count('<svg class="audience-chart"') == 2
    assert "Le prix du pain" in html and "bsky.app" in html and "Inflation" in html
    assert "Lettres d’information" in html
    response = client.get(reverse("audience_export"), {"jours": 2})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "heure",
        "article_id",
        "article",
        "rubrique",
        "origine",
        "pages_vues",
    ]
    assert rows[1][1:] == [
        str(article.pk),
        "Le prix du pain",
        "Économie",
        "bsky.app",
        "2",
    ]


def test_dashboard_is_for_editors_only(client, site_tree):
    assert client.get(reverse("audience_dashboard")).status_code == 302
    assert client.get(reverse("audience_export")).status_code == 302
