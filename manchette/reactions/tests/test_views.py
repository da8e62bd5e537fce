"""Reacting from a cached article page: the plain form, the JSON state, the cookie."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client, override_settings

from manchette.reactions import conf
from manchette.reactions.models import Reaction, ReactionCount

pytestmark = pytest.mark.django_db


def _react(client, article, **data):
    return client.post(f"/reactions/{article.pk}/", data)


def _react_json(client, article, **data):
    return client.post(
        f"/reactions/{article.pk}/", data, HTTP_ACCEPT="application/json"
    )


def test_the_article_page_shows_the_buttons_but_no_counts_and_stays_cached(
    client, article
):
    _react(Client(REMOTE_ADDR="5.5.5.5"), article, kind="utile")
    first = client.get(article.url)
    html = first.content.decode()
    assert "Que pensez-vous de cet article" in html
    assert html.count('name="kind"') == 6
    assert f'action="/reactions/{article.pk}/"' in html
    assert f'data-state-url="/lecteur/reactions/{article.pk}/etat.json"' in html
    assert "(1)" not in html  # counts come from etat.json, never from the shared page
    _react(Client(REMOTE_ADDR="6.6.6.6"), article, kind="triste")
    assert (
        client.get(article.url)["X-Cache"] == "HIT"
    )  # reacting does not empty the cache


def test_without_javascript_a_reaction_ends_on_the_results_page_with_the_counts(
    client, article
):
    _react(Client(REMOTE_ADDR="5.5.5.5"), article, kind="utile")
    response = _react(client, article, kind="triste")
    assert response.status_code == 303
    assert response["Location"] == f"/reactions/{article.pk}/#reactions"
    assert conf.READER_COOKIE in response.cookies
    page = client.get(response["Location"])
    assert (
        page["Cache-Control"].startswith("max-age=0")
        or "no-cache" in page["Cache-Control"]
    )
    html = page.content.decode()
    assert re.search(r'data-kind="triste">\s*<button[^>]*aria-pressed="true"', html)
    assert "50\u00a0%" in html and "(1)" in html
    assert "2 réactions" in html
    assert "Retirer ma réaction" in html
    # Change, then withdraw, still without JavaScript.
    _react(client, article, kind="utile")
    assert dict(
        ReactionCount.objects.filter(article_id=article.pk).values_list(
            "kind__slug", "count"
        )
    ) == {"utile": 2, "triste": 0}
    _react(client, article, action="remove")
    assert Reaction.objects.filter(article_id=article.pk).count() == 1


def test_the_state_endpoint_gives_counts_percentages_and_my_reaction_uncached(
    client, article
):
    _react(Client(REMOTE_ADDR="5.5.5.5"), article, kind="utile")
    before = client.get(f"/lecteur/reactions/{article.pk}/etat.json")
    assert before.json()["mine"] is None and before.json()["total"] == 1
    assert "no-cache" in before["Cache-Control"]
    state = _react_json(client, article, kind="surprenant").json()
    assert state["mine"] == "surprenant"
    assert state["total"] == 2
    by_slug = {k["slug"]: k for k in state["kinds"]}
    assert by_slug["utile"] == {
        "slug": "utile",
        "label": "Utile",
        "count": 1,
        "percent": 50,
    }
    assert client.get(f"/lecteur/reactions/{article.pk}/etat.json").json() == state
    for _ in range(2):
        assert client.get(article.url).status_code == 200
    assert (
        client.get(f"/lecteur/reactions/{article.pk}/etat.json").json()["mine"]
        == "surprenant"
    )


def test_a_tampered_or_forged_cookie_is_refused_cleanly_and_dropped(client, article):
    _react(client, article, kind="utile")
    genuine = client.cookies[conf.READER_COOKIE].value
    forged = signing.get_cookie_signer(salt=conf.READER_COOKIE_SALT + "x").sign(
        "A" * 32
    )
    for bad in (genuine[:-3] + "abc", forged, "n'importe quoi"):
        client.cookies[conf.READER_COOKIE] = bad
        response = _react(client, article, kind="triste")
        assert response.status_code == 400
        assert "témoin de lecteur" in response.content.decode()
        assert response.cookies[conf.READER_COOKIE].value == ""  # deleted
        client.cookies[conf.READER_COOKIE] = bad
        state = client.get(f"/lecteur/reactions/{article.pk}/etat.json")
        assert state.status_code == 200 and state.json()["mine"] is None
        json_refusal = _react_json(client, article, kind="triste")
        assert (
            json_refusal.status_code == 400 and "témoin" in json_refusal.json()["error"]
        )
    assert dict(
        ReactionCount.objects.filter(article_id=article.pk).values_list(
            "kind__slug", "count"
        )
    ) == {"utile": 1}


def test_a_signed_in_reader_is_known_by_their_account(
    client, article, django_user_model
):
    user = django_user_model.objects.create_user(username="lectrice", password="x")
    client.force_login(user)
    _react(client, article, kind="utile")
    assert Reaction.objects.get().reader_key == f"u:{user.pk}"


@override_settings(REACTIONS_NEW_PER_ARTICLE_PER_DAY=2)
def test_clearing_cookies_does_not_add_more_than_the_address_limit(article):
    statuses = []
    for _ in range(4):
        fresh = Client(REMOTE_ADDR="7.7.7.7")  # no cookie: a "new" reader each time
        statuses.append(_react(fresh, article, kind="utile").status_code)
    assert statuses == [303, 303, 429, 429]
    assert ReactionCount.objects.get(article_id=article.pk).count == 2
    refused = _react_json(Client(REMOTE_ADDR="7.7.7.7"), article, kind="utile")
    assert refused.status_code == 429 and "Réessayez demain" in refused.json()["error"]


@override_settings(REACTIONS_WRITES_PER_MINUTE=3)
def test_a_burst_of_writes_from_one_address_is_slowed_down(article):
    client = Client(REMOTE_ADDR="7.7.7.8")
    codes = [
        _react(client, article, kind=k).status_code
        for k in ("utile", "triste", "utile", "triste")
    ]
    assert codes == [303, 303, 303, 429]
    assert Reaction.objects.get().kind.slug == "utile"


def test_a_post_from_another_site_is_refused(client, article):
    response = client.post(
        f"/reactions/{article.pk}/",
        {"kind": "utile"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert not Reaction.objects.exists()


def test_a_section_can_switch_reactions_off(client, article, site_tree):
    section = site_tree.sections["international"]
    section.reactions_enabled = False
    section.save_revision().publish()
    assert "Que pensez-vous" not in client.get(article.url).content.decode()
    response = _react(client, article, kind="utile")
    assert response.status_code == 403
    assert "fermées" in response.content.decode()
    assert not Reaction.objects.exists()


def test_bad_input_gets_a_clear_message_never_a_500(client, article):
    response = _react(client, article, kind="<script>")
    assert response.status_code == 400
    assert "n’existe pas" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert client.post("/reactions/999999/", {"kind": "utile"}).status_code == 404
    assert client.get("/lecteur/reactions/999999/etat.json").json()["total"] == 0


def test_editing_the_kinds_refreshes_cached_article_pages(client, article):
    from manchette.reactions.models import ReactionKind

    client.get(article.url)
    assert client.get(article.url)["X-Cache"] == "HIT"
    kind = ReactionKind.objects.get(slug="utile")
    kind.label = "Très utile"
    kind.save()
    response = client.get(article.url)
    assert response["X-Cache"] == "MISS"
    assert "Très utile" in response.content.decode()
