"""Whole pages for anonymous readers come from the cache and leave it precisely when
what they show changes."""

from __future__ import annotations

import gzip

import pytest
from django.test import override_settings

from manchette.core import pagecache
from manchette.newsroom.tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def test_an_anonymous_page_is_computed_once_then_served_from_the_cache(
    client, site_tree
):
    make_article(site_tree.sections["france"], title="Premier titre")
    first = client.get("/")
    second = client.get("/")
    assert first["X-Cache"] == "MISS"
    assert second["X-Cache"] == "HIT"
    assert second.content == first.content
    assert "s-maxage=" in second["Cache-Control"]
    assert "stale-while-revalidate=" in second["Cache-Control"]
    assert "stale-if-error=" in second["Cache-Control"]


def test_publishing_an_article_refreshes_the_pages_that_list_it_and_no_other(
    client, site_tree
):
    france, sport = site_tree.sections["france"], site_tree.sections["sport"]
    make_article(france)
    for url in ["/", france.url, sport.url]:
        client.get(url)
    make_article(france, title="Dernière minute")
    home = client.get("/")
    assert home["X-Cache"] == "MISS"
    assert "Dernière minute" in home.content.decode()
    assert client.get(france.url)["X-Cache"] == "MISS"
    assert client.get(sport.url)["X-Cache"] == "HIT"


def test_editing_an_article_refreshes_its_page_and_the_lists_showing_it(
    client, site_tree
):
    topic = make_topic("Arménie")
    article = make_article(
        site_tree.sections["international"], title="Titre d’origine", topics=[topic]
    )
    for url in [article.url, "/", topic.get_absolute_url()]:
        client.get(url)
    article.title = "Titre corrigé"
    article.save_revision().publish()
    for url in [article.url, "/", topic.get_absolute_url()]:
        response = client.get(url)
        assert response["X-Cache"] == "MISS", url
        assert "Titre corrigé" in response.content.decode()


def test_unpublishing_removes_the_article_from_cached_pages(client, site_tree):
    article = make_article(site_tree.sections["culture"], title="Bientôt retiré")
    assert "Bientôt retiré" in client.get("/").content.decode()
    article.unpublish()
    assert "Bientôt retiré" not in client.get("/").content.decode()
    assert client.get(article.url).status_code == 404


def test_conditional_requests_answer_304(client, site_tree):
    make_article(site_tree.sections["france"])
    client.get("/")
    cached = client.get("/")
    assert client.get("/", HTTP_IF_NONE_MATCH=cached["ETag"]).status_code == 304
    assert (
        client.get("/", HTTP_IF_MODIFIED_SINCE=cached["Last-Modified"]).status_code
        == 304
    )
    assert client.get("/", HTTP_IF_NONE_MATCH='"autre"').status_code == 200


def test_cached_pages_are_served_compressed_to_clients_that_accept_it(
    client, site_tree
):
    make_article(site_tree.sections["france"], title="Compressé")
    client.get("/")
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Compressé" in gzip.decompress(response.content).decode()


def test_signed_in_editors_always_get_a_fresh_page(client, site_tree, editor):
    make_article(site_tree.sections["france"])
    client.get("/")
    client.force_login(editor)
    assert "X-Cache" not in client.get("/")


def test_tracking_parameters_do_not_split_the_cache_but_pagination_does(
    client, site_tree
):
    make_article(site_tree.sections["france"])
    client.get("/")
    assert client.get("/?utm_source=facebook&fbclid=abc")["X-Cache"] == "HIT"
    section = site_tree.sections["france"]
    client.get(section.url)
    assert client.get(section.url + "?page=2")["X-Cache"] == "MISS"


def test_a_page_rendered_while_its_tag_changed_is_not_stored_as_fresh(site_tree):
    started = 0.0  # rendering began before any tag existed
    pagecache.tags_invalidate(["page:1"])
    stored = pagecache.page_store(
        "k",
        status=200,
        content_type="text/html",
        body=b"x",
        tags=["page:1"],
        started_at=started,
    )
    assert stored is None
    assert pagecache.page_lookup("k").page is None


def test_concurrent_misses_wait_for_the_first_computation(client, site_tree):
    """A reader arriving while another computes the same page gets that result (or
    the stale copy) instead of computing it again."""
    make_article(site_tree.sections["france"])
    key = pagecache.entry_key(host="testserver", path="/", query_string="")
    client.get("/")  # fresh copy
    pagecache.tags_invalidate(["list:home"])  # now stale
    assert pagecache.lock_acquire(key)  # someone else is computing it
    try:
        response = client.get("/")
    finally:
        pagecache.lock_release(key)
    assert response["X-Cache"] == "STALE"


@override_settings(PAGE_CACHE_ENABLED=False)
def test_the_cache_can_be_switched_off(client, site_tree):
    client.get("/")
    assert "X-Cache" not in client.get("/")


def test_invalidations_in_a_bulk_operation_are_made_once_at_the_end(client, site_tree):
    make_article(site_tree.sections["france"])
    client.get("/")
    with pagecache.tags_invalidation_deferred():
        pagecache.tags_invalidate(["list:home"])
        assert client.get("/")["X-Cache"] == "HIT"  # not yet
    assert client.get("/")["X-Cache"] == "MISS"


def test_a_cached_value_is_computed_once_until_one_of_its_tags_is_invalidated(db):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert pagecache.value_cached("v", tags=["site"], compute=compute) == 1
    assert pagecache.value_cached("v", tags=["site"], compute=compute) == 1
    pagecache.tags_invalidate(["page:9"])  # another tag: still the same value
    assert pagecache.value_cached("v", tags=["site"], compute=compute) == 1
    pagecache.tags_invalidate(["site"])
    assert pagecache.value_cached("v", tags=["site"], compute=compute) == 2


def test_a_value_computed_while_its_tag_changed_is_not_kept(db):
    computed = []

    def compute_while_an_editor_publishes():
        computed.append(1)
        pagecache.tags_invalidate(["site"])
        return "maybe the old state"

    pagecache.value_cached(
        "v", tags=["site"], compute=compute_while_an_editor_publishes
    )
    pagecache.value_cached(
        "v", tags=["site"], compute=compute_while_an_editor_publishes
    )
    assert len(computed) == 2


def test_the_navigation_follows_the_sections_published_and_made_private(
    client, site_tree
):
    from wagtail.models import PageViewRestriction

    from manchette.newsroom.models import SectionPage

    assert ">Sport</a>" in client.get("/").content.decode()
    science = site_tree.home.add_child(
        instance=SectionPage(title="Sciences", slug="sciences")
    )
    science.save_revision().publish()
    page = client.get("/").content.decode()
    assert ">Sciences</a>" in page
    PageViewRestriction.objects.create(
        page=site_tree.sections["sport"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="abonnes",
    )
    page = client.get("/").content.decode()
    assert ">Sport</a>" not in page
    assert ">Sciences</a>" in page


def test_parts_shown_on_every_page_do_not_make_a_search_page_cacheable(
    client, site_tree
):
    """The sign-up block names its lists for cached pages; a search result page,
    whose query is not part of the cache key, must still never be stored."""
    make_article(site_tree.sections["france"], title="Budget de la culture")
    assert "X-Cache" not in client.get("/recherche/", {"q": "culture"})
    response = client.get("/recherche/", {"q": "tout autre chose"})
    assert "X-Cache" not in response
    assert "Budget de la culture" not in response.content.decode()


def _never_waits(monkeypatch):
    def sleep(seconds):
        raise AssertionError("the request waited for another one")

    monkeypatch.setattr("manchette.core.middleware.time.sleep", sleep)


def test_concurrent_requests_for_an_answer_never_kept_do_not_wait_for_each_other(
    client, site_tree, monkeypatch
):
    """The health check, a 404, a search: once an address's answer was not kept,
    requests for it compute their own at once, even while another one is at it."""
    assert client.get("/nexiste-pas/").status_code == 404
    key = pagecache.entry_key(host="testserver", path="/nexiste-pas/", query_string="")
    assert pagecache.lock_acquire(key)  # another request is computing it
    _never_waits(monkeypatch)

    assert client.get("/nexiste-pas/").status_code == 404


def test_a_waiting_request_stops_waiting_when_the_other_keeps_nothing(
    client, site_tree, monkeypatch
):
    key = pagecache.entry_key(host="testserver", path="/nexiste-pas/", query_string="")
    assert pagecache.lock_acquire(key)
    waits = []

    def sleep(seconds):  # meanwhile, the other request ends with nothing to share
        waits.append(seconds)
        pagecache.lock_release(key)

    monkeypatch.setattr("manchette.core.middleware.time.sleep", sleep)

    assert client.get("/nexiste-pas/").status_code == 404
    assert len(waits) == 1  # not until the five seconds' deadline


def test_a_page_being_computed_is_still_waited_for_not_computed_twice(
    client, site_tree, monkeypatch
):
    article = make_article(site_tree.sections["france"], title="Un seul calcul")
    key = pagecache.entry_key(host="testserver", path=article.url, query_string="")
    assert pagecache.lock_acquire(key)

    def sleep(seconds):  # meanwhile, the other request stores the page
        pagecache.lock_release(key)
        assert client.get(article.url)["X-Cache"] == "MISS"
        assert pagecache.lock_acquire(key)  # (still at it as far as we can tell)

    monkeypatch.setattr("manchette.core.middleware.time.sleep", sleep)
    assert client.get(article.url)["X-Cache"] == "HIT"


def test_the_health_check_never_goes_through_the_page_cache(client, site_tree):
    key = pagecache.entry_key(host="testserver", path="/sante/", query_string="")

    assert client.get("/sante/").status_code == 200

    assert not pagecache.pass_marked(key)  # it would be: its answer is never kept
    assert not pagecache.lock_held(key)
