"""Reactions as the services keep them: one per reader, exact counters, whatever the race."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import override_settings

from manchette.reactions.models import Reaction, ReactionCount, ReactionKind
from manchette.reactions.selectors import percentages, reaction_state
from manchette.reactions.services import ReactionRefused, reaction_remove, reaction_set

pytestmark = pytest.mark.django_db


def _counts(article_id: int) -> dict[str, int]:
    return {
        c.kind.slug: c.count
        for c in ReactionCount.objects.filter(article_id=article_id).select_related(
            "kind"
        )
        if c.count
    }


def test_the_french_defaults_exist_in_order():
    assert [k.label for k in ReactionKind.objects.filter(active=True)] == [
        "Intéressant",
        "Utile",
        "Surprenant",
        "Triste",
        "Inquiétant",
        "Agaçant",
    ]


def test_one_reaction_per_reader_however_often_they_click(article):
    for _ in range(3):
        reaction_set(
            article_id=article.pk,
            reader_key="g:a",
            kind_slug="utile",
            client_key="1.1.1.1",
        )
    reaction_set(
        article_id=article.pk, reader_key="g:b", kind_slug="utile", client_key="1.1.1.2"
    )
    assert Reaction.objects.filter(article_id=article.pk).count() == 2
    assert _counts(article.pk) == {"utile": 2}


def test_a_reader_changes_their_reaction_and_the_counts_follow(article):
    reaction_set(
        article_id=article.pk, reader_key="g:a", kind_slug="utile", client_key="1.1.1.1"
    )
    reaction_set(
        article_id=article.pk,
        reader_key="g:a",
        kind_slug="triste",
        client_key="1.1.1.1",
    )
    assert _counts(article.pk) == {"triste": 1}
    state = reaction_state(article_id=article.pk, reader_key="g:a")
    assert state.mine == "triste"
    assert state.total == 1


def test_a_reader_removes_their_reaction(article):
    reaction_set(
        article_id=article.pk, reader_key="g:a", kind_slug="utile", client_key="1.1.1.1"
    )
    assert reaction_remove(article_id=article.pk, reader_key="g:a") is True
    assert reaction_remove(article_id=article.pk, reader_key="g:a") is False
    assert _counts(article.pk) == {}
    assert reaction_state(article_id=article.pk, reader_key="g:a").mine is None


def test_a_counter_never_goes_below_zero_even_out_of_step(article):
    reaction_set(
        article_id=article.pk, reader_key="g:a", kind_slug="utile", client_key="1.1.1.1"
    )
    ReactionCount.objects.filter(article_id=article.pk).update(
        count=0
    )  # e.g. a manual fix
    reaction_remove(article_id=article.pk, reader_key="g:a")
    assert ReactionCount.objects.get(article_id=article.pk).count == 0


def test_an_unknown_or_inactive_kind_is_refused(article):
    ReactionKind.objects.filter(slug="triste").update(active=False)
    for slug in ("triste", "nimporte", ""):
        with pytest.raises(ReactionRefused):
            reaction_set(
                article_id=article.pk,
                reader_key="g:a",
                kind_slug=slug,
                client_key="1.1.1.1",
            )
    assert not Reaction.objects.exists()


@override_settings(REACTIONS_NEW_PER_ARTICLE_PER_DAY=3)
def test_a_reader_clearing_cookies_cannot_add_beyond_the_address_limit(article):
    for n in range(3):
        reaction_set(
            article_id=article.pk,
            reader_key=f"g:{n}",
            kind_slug="utile",
            client_key="9.9.9.9",
        )
    with pytest.raises(ReactionRefused) as refused:
        reaction_set(
            article_id=article.pk,
            reader_key="g:fresh",
            kind_slug="utile",
            client_key="9.9.9.9",
        )
    assert refused.value.status == 429
    # Changing an existing reaction is not adding one; another address is not limited.
    reaction_set(
        article_id=article.pk,
        reader_key="g:0",
        kind_slug="triste",
        client_key="9.9.9.9",
    )
    reaction_set(
        article_id=article.pk,
        reader_key="g:other",
        kind_slug="utile",
        client_key="8.8.8.8",
    )
    assert _counts(article.pk) == {"utile": 3, "triste": 1}


def test_percentages_always_add_up_to_one_hundred():
    assert percentages([1, 1, 1]) == [34, 33, 33]
    assert percentages([0, 0]) == [0, 0]
    assert sum(percentages([7, 3, 5, 11, 2, 1])) == 100


@pytest.mark.django_db(transaction=True)
@override_settings(REACTIONS_NEW_PER_ARTICLE_PER_DAY=10_000)
def test_concurrent_readers_on_postgresql_lose_no_count(site_tree):
    if connection.vendor != "postgresql":
        pytest.skip(
            "real concurrent writers need PostgreSQL (SQLite serialises every write)"
        )
    from manchette.newsroom.tests.factories import make_article

    article = make_article(site_tree.sections["france"])
    slugs = list(
        ReactionKind.objects.filter(active=True).values_list("slug", flat=True)
    )
    readers, rounds = 16, 12
    errors: list[BaseException] = []
    final: dict[str, str | None] = {}
    start = threading.Barrier(readers)

    def reader(n: int) -> None:
        key = f"g:thread-{n}"
        try:
            start.wait()
            choice: str | None = None
            for r in range(rounds):
                if r % 5 == 4:
                    reaction_remove(article_id=article.pk, reader_key=key)
                    choice = None
                else:
                    choice = slugs[(n + r) % len(slugs)]
                    reaction_set(
                        article_id=article.pk,
                        reader_key=key,
                        kind_slug=choice,
                        client_key=f"10.0.0.{n}",
                    )
            final[key] = choice
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = Counter(choice for choice in final.values() if choice)
    assert _counts(article.pk) == dict(expected)
    held = Counter(
        Reaction.objects.filter(article_id=article.pk).values_list(
            "kind__slug", flat=True
        )
    )
    assert held == expected
