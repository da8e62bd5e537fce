"""The reactions' JSON requests answered before Django (reactions.fastpath), through
the whole ASGI application as granian runs it, on PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from django.core import signing
from django.test import Client, override_settings

from manchette.core.asgi import build_application
from manchette.core.tests.serving import asgi_reader, fast_path_only, run_as_server
from manchette.reactions import conf, fastpath
from manchette.reactions.models import Reaction, ReactionCount, ReactionKind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    fast_path_only("elsewhere Django answers these requests, as test_views checks"),
]


@pytest.fixture
def answered_here(monkeypatch):
    """The requests the fast path answered (and not Django), in order."""
    answered: list[bool] = []
    handle = fastpath.handle

    async def spy(scope, receive, send):
        answered.append(await handle(scope, receive, send))
        return answered[-1]

    monkeypatch.setattr(fastpath, "handle", spy)
    return answered


def _reader(app, address="5.5.5.5"):
    return asgi_reader(app, address, Accept="application/json")


async def _react(reader, article_id, **data):
    return await reader.post(f"/reactions/{article_id}/", data=data)


def _counts(article_id):
    return {
        c.kind.slug: c.count
        for c in ReactionCount.objects.filter(article_id=article_id).select_related(
            "kind"
        )
        if c.count
    }


def test_a_reader_gives_changes_and_withdraws_a_reaction_without_django(
    article, answered_here
):
    app = build_application()

    async def steps():
        async with _reader(app, "5.5.5.5") as other:
            await _react(other, article.pk, kind="utile")
        async with _reader(app) as reader:
            given = await _react(reader, article.pk, kind="triste")
            changed = await _react(reader, article.pk, kind="utile")
            state = await reader.get(f"/lecteur/reactions/{article.pk}/etat.json")
            removed = await _react(reader, article.pk, action="remove")
            return given, changed, state, removed

    given, changed, state, removed = run_as_server(steps())
    assert answered_here == [True] * 5
    assert given.status_code == 200 and given.json()["mine"] == "triste"
    assert conf.READER_COOKIE in given.cookies
    assert "no-cache" in given.headers["cache-control"]
    assert changed.json()["mine"] == "utile" and changed.json()["total"] == 2
    assert state.json() == changed.json()
    by_slug = {k["slug"]: k for k in state.json()["kinds"]}
    assert by_slug["utile"] == {
        "slug": "utile",
        "label": "Utile",
        "count": 2,
        "percent": 100,
    }
    assert removed.json()["mine"] is None and removed.json()["total"] == 1
    assert _counts(article.pk) == {"utile": 1}
    assert Reaction.objects.filter(article_id=article.pk).count() == 1


def test_the_answers_are_the_views_answers(article, answered_here):
    """Same JSON and same headers as Django's view gives for the same reader."""
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            await _react(reader, article.pk, kind="surprenant")
            fast = await reader.get(f"/lecteur/reactions/{article.pk}/etat.json")
            return fast, dict(reader.cookies)

    fast, cookies = run_as_server(steps())
    client = Client()
    client.cookies.load(cookies)
    django = client.get(f"/lecteur/reactions/{article.pk}/etat.json")
    assert answered_here == [True, True]
    assert fast.json() == django.json()
    assert fast.json()["mine"] == "surprenant"
    ignored = {"vary", "date", "server", "expires"}  # Vary: Cookie from the sessions
    assert {h for h in fast.headers if h not in ignored} == {
        h.lower() for h in django.headers if h.lower() not in ignored
    }


def test_a_tampered_or_forged_cookie_is_refused_cleanly_and_dropped(
    article, answered_here
):
    app = build_application()
    forged = signing.get_cookie_signer(salt=conf.READER_COOKIE_SALT + "x").sign(
        "A" * 32
    )

    async def steps():
        answers = []
        async with _reader(app) as reader:
            await _react(reader, article.pk, kind="utile")
            genuine = reader.cookies[conf.READER_COOKIE]
            for bad in (genuine[:-3] + "abc", forged, "n'importe quoi"):
                reader.cookies.set(conf.READER_COOKIE, bad)
                refused = await _react(reader, article.pk, kind="triste")
                reader.cookies.set(conf.READER_COOKIE, bad)
                state = await reader.get(f"/lecteur/reactions/{article.pk}/etat.json")
                answers.append((refused, state))
        return answers

    for refused, state in run_as_server(steps()):
        assert refused.status_code == 400
        assert "témoin de lecteur" in refused.json()["error"]
        assert 'manchette_lecteur=""' in refused.headers["set-cookie"]  # deleted
        assert state.status_code == 200 and state.json()["mine"] is None
        assert 'manchette_lecteur=""' in state.headers["set-cookie"]
    assert all(answered_here)
    assert _counts(article.pk) == {"utile": 1}


def test_a_post_from_another_site_is_refused(article, answered_here):
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            return await reader.post(
                f"/reactions/{article.pk}/",
                data={"kind": "utile"},
                headers={"Origin": "https://evil.example"},
            )

    response = run_as_server(steps())
    assert answered_here == [True]
    assert response.status_code == 403
    assert "ne vient pas de ce site" in response.text
    assert not Reaction.objects.exists()


def test_a_closed_section_and_an_unknown_article_are_refused(
    article, site_tree, answered_here
):
    section = site_tree.sections["international"]
    section.reactions_enabled = False
    section.save_revision().publish()
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            closed = await _react(reader, article.pk, kind="utile")
            missing = await _react(reader, 999999, kind="utile")
            missing_state = await reader.get("/lecteur/reactions/999999/etat.json")
            return closed, missing, missing_state

    closed, missing, missing_state = run_as_server(steps())
    assert answered_here == [True, True, True]
    assert closed.status_code == 403 and "fermées" in closed.json()["error"]
    assert missing.status_code == 404 and "n’existe pas" in missing.json()["error"]
    assert missing_state.json()["total"] == 0  # as the view: no error for a read
    assert not Reaction.objects.exists()


def test_an_unknown_kind_gets_a_clear_message(article, answered_here):
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            return await _react(reader, article.pk, kind="<script>")

    response = run_as_server(steps())
    assert response.status_code == 400
    assert "n’existe pas" in response.json()["error"]
    assert not Reaction.objects.exists()


@override_settings(REACTIONS_WRITES_PER_MINUTE=3, REACTIONS_NEW_PER_ARTICLE_PER_DAY=2)
def test_the_per_address_limits_hold(article, answered_here):
    app = build_application()

    async def steps():
        async with _reader(app, "7.7.7.8") as reader:
            burst = [
                (await _react(reader, article.pk, kind=kind))
                for kind in ("utile", "triste", "utile", "triste")
            ]
        new_readers = []
        for _ in range(3):  # no cookie: a "new" reader each time, same address
            async with _reader(app, "7.7.7.7") as fresh:
                new_readers.append(await _react(fresh, article.pk, kind="utile"))
        return burst, new_readers

    burst, new_readers = run_as_server(steps())
    assert [r.status_code for r in burst] == [200, 200, 200, 429]
    assert "Patientez une minute" in burst[-1].json()["error"]
    assert [r.status_code for r in new_readers] == [200, 200, 429]
    assert "Réessayez demain" in new_readers[-1].json()["error"]
    assert _counts(article.pk) == {"utile": 3}


def test_a_signed_in_reader_and_the_form_without_javascript_stay_with_django(
    article, answered_here
):
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            reader.cookies.set("sessionid", "abc")
            signed_in = await _react(reader, article.pk, kind="utile")
            reader.cookies.delete("sessionid")
            form = await reader.post(
                f"/reactions/{article.pk}/",
                data={"kind": "triste"},
                headers={"Accept": "text/html"},
            )
            return signed_in, form

    signed_in, form = run_as_server(steps())
    assert answered_here == [False, False]
    assert signed_in.status_code == 200 and signed_in.json()["mine"] == "utile"
    assert form.status_code == 303


@override_settings(REACTIONS_NEW_PER_ARTICLE_PER_DAY=10_000)
def test_concurrent_readers_through_the_fast_path_lose_no_count(article, answered_here):
    app = build_application()
    slugs = list(
        ReactionKind.objects.filter(active=True).values_list("slug", flat=True)
    )
    readers, rounds = 16, 10

    async def reader(n):
        rng = random.Random(n)
        held = None
        async with _reader(app, f"10.0.0.{n}") as client:
            for _ in range(rounds):
                if rng.random() < 0.2:
                    answer = await _react(client, article.pk, action="remove")
                else:
                    answer = await _react(client, article.pk, kind=rng.choice(slugs))
                assert answer.status_code == 200, answer.text
                held = answer.json()["mine"]
        return held

    async def steps():
        return await asyncio.gather(*(reader(n) for n in range(readers)))

    held = run_as_server(steps())
    expected = Counter(kind for kind in held if kind)
    assert all(answered_here) and len(answered_here) == readers * rounds
    assert _counts(article.pk) == dict(expected)
    rows = Counter(
        Reaction.objects.filter(article_id=article.pk).values_list(
            "kind__slug", flat=True
        )
    )
    assert rows == expected


def test_a_host_the_site_does_not_serve_gets_a_400_as_from_django(
    article, answered_here
):
    app = build_application()

    async def steps():
        async with _reader(app) as reader:
            return await reader.get(
                f"/lecteur/reactions/{article.pk}/etat.json",
                headers={"Host": "evil.example"},
            )

    response = run_as_server(steps())
    assert answered_here == [True]
    assert response.status_code == 400
