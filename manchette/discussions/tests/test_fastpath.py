"""A guest's new comment answered before Django (discussions.fastpath), through the
whole ASGI application as granian runs it, on PostgreSQL and Redis: the same comment,
identity, counts, live event, cookie and answer as Django's view, and every other case
left to Django with the reader's text intact."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from manchette.core.asgi import build_application
from manchette.core.tests.serving import asgi_reader, fast_path_only, run_as_server
from manchette.discussions import fastpath
from manchette.discussions.forms import form_started_token
from manchette.discussions.fragments import VERSION_KEY
from manchette.discussions.models import (
    ArticleDiscussion,
    Comment,
    DiscussionSettings,
    Identity,
)
from manchette.discussions.tests.factories import make_comment
from manchette.live.models import LiveEvent
from manchette.newsroom.tests.factories import make_article

pytestmark = [
    pytest.mark.django_db(transaction=True),
    fast_path_only("elsewhere Django answers every comment, as test_views checks"),
]

COOKIE = "manchette_commentaires"
# What differs between two comments whoever writes them.
OWN_COLUMNS = {"id", "created_at", "idempotency_key", "identity_id", "avatar_seed"}


@pytest.fixture(autouse=True)
def quick_readers():
    """Readers who take no time to type (the form's minimum time is tested apart)."""
    with override_settings(DISCUSSIONS_MIN_SECONDS=-1):
        yield


@pytest.fixture
def answered_here(monkeypatch):
    """For each request: whether the fast path answered it (else Django did)."""
    answered: list[bool] = []
    handle = fastpath.handle

    async def spy(scope, receive, send):
        django_receive = await handle(scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/commentaires/"):
            answered.append(django_receive is None)
        return django_receive

    monkeypatch.setattr(fastpath, "handle", spy)
    return answered


def _form(**fields):
    return {
        "nom": "Camille",
        "courriel": "camille@example.org",
        "consentement": "on",
        "texte": "Bien vu.",
        "debut": form_started_token(),
        "cle": "n1",
        **fields,
    }


async def _post(reader, article, **fields):
    return await reader.post(
        f"/commentaires/{article.pk}/poster/", data=_form(**fields)
    )


def _columns(comment):
    return {
        f.attname: getattr(comment, f.attname)
        for f in Comment._meta.concrete_fields
        if f.attname not in OWN_COLUMNS
    }


def test_a_guest_comments_and_is_sent_to_their_comment_without_django(
    article, post_moderation, answered_here
):
    app = build_application()
    version_before = cache.get(VERSION_KEY.format(article.pk))

    async def steps():
        async with asgi_reader(app) as reader:
            first = await _post(reader, article, texte="Premier avis\n\nSuite")
            second = await _post(
                reader, article, nom="Camille D.", texte="Second avis", cle="n2"
            )
            return first, second

    first, second = run_as_server(steps())
    assert answered_here == [True, True]
    comments = list(Comment.objects.order_by("pk"))
    assert [c.body_html for c in comments] == [
        "<p>Premier avis</p><p>Suite</p>",
        "<p>Second avis</p>",
    ]
    assert first.status_code == 302
    assert first.headers["location"] == f"{article.url}#commentaire-{comments[0].pk}"
    assert "no-cache" in first.headers["cache-control"]
    assert COOKIE in first.cookies
    # one identity, known by its cookie at the second comment, with its new name
    identity = Identity.objects.get()
    assert [c.identity_id for c in comments] == [identity.pk, identity.pk]
    assert identity.name == "Camille D." and identity.approved_count == 2
    assert identity.trust == "new" and identity.email == "camille@example.org"
    assert comments[1].author_name == "Camille D."
    assert ArticleDiscussion.objects.get(article_id=article.pk).comment_count == 2
    assert ArticleDiscussion.objects.get(article_id=article.pk).last_comment_id == (
        comments[1].pk
    )
    events = list(LiveEvent.objects.order_by("pk").values_list("channel", "data"))
    assert events == [
        (f"article:{article.pk}:comments", {"id": comments[0].pk, "count": 1}),
        (f"article:{article.pk}:comments", {"id": comments[1].pk, "count": 2}),
    ]
    # the discussion's fragments and the pages that show it are stale
    assert cache.get(VERSION_KEY.format(article.pk)) != version_before
    assert second.status_code == 302


def test_the_comment_is_the_one_djangos_view_makes(
    article, site_tree, post_moderation, answered_here
):
    """Same columns, identity and answer as the view for the same form (under two
    articles, or the second would be the first one's duplicate)."""
    other = make_article(site_tree.sections["international"], title="Autre article")
    text = "Voir https://example.org ici\n\n<b>gras</b> & « guillemets »"
    app = build_application()

    async def steps():
        async with asgi_reader(app, "7.7.7.7") as reader:
            return await _post(reader, article, texte=text)

    fast = run_as_server(steps())
    with override_settings(DISCUSSIONS_FAST_PATH=False):
        django = Client(REMOTE_ADDR="7.7.7.7").post(
            f"/commentaires/{other.pk}/poster/", _form(texte=text)
        )
    assert answered_here == [True]
    by_fast = Comment.objects.get(article_id=article.pk)
    by_django = Comment.objects.get(article_id=other.pk)
    assert _columns(by_fast) == {**_columns(by_django), "article_id": article.pk}
    assert "&lt;b&gt;gras&lt;/b&gt;" in by_fast.body_html
    assert by_fast.ip == "7.7.7.7"
    fast_identity, django_identity = (c.identity for c in (by_fast, by_django))
    same = {"id", "token", "created_at"}
    assert {
        f.attname: getattr(fast_identity, f.attname)
        for f in Identity._meta.concrete_fields
        if f.attname not in same
    } == {
        f.attname: getattr(django_identity, f.attname)
        for f in Identity._meta.concrete_fields
        if f.attname not in same
    }
    assert [e.data["count"] for e in LiveEvent.objects.order_by("pk")] == [1, 1]
    # (the fast path's answer also says "never store": Django's has no cache header)
    ignored = {"vary", "date", "server", "expires", "location", "cache-control"}
    assert {h for h in fast.headers if h not in ignored} == {
        h.lower() for h in django.headers if h.lower() not in ignored
    } | {"set-cookie"}
    assert COOKIE in fast.cookies and COOKIE in django.cookies
    assert django.headers["location"].endswith(f"#commentaire-{by_django.pk}")


def test_a_form_sent_twice_makes_one_comment(article, post_moderation, answered_here):
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            first = await _post(reader, article)
            again = await _post(reader, article)  # the same key: Django finds it
            return first, again

    first, again = run_as_server(steps())
    comment = Comment.objects.get()
    assert answered_here == [True, False]
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"].endswith(f"#commentaire-{comment.pk}")
    assert ArticleDiscussion.objects.get(article_id=article.pk).comment_count == 1


def test_a_held_comment_waits_and_counts_nothing(article, answered_here):
    settings = DiscussionSettings.load()
    settings.policy = "pre"
    settings.save()
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            return await _post(reader, article, texte="À relire <script>x</script>")

    response = run_as_server(steps())
    comment = Comment.objects.get()
    assert answered_here == [True]
    assert comment.status == "pending" and comment.signals == ["pre_moderation"]
    assert comment.body_raw == "À relire <script>x</script>"  # as typed
    assert "<script>" not in comment.body_html  # and inert
    assert response.headers["location"] == (
        f"/commentaires/{article.pk}/?attente={comment.pk}#commentaire-{comment.pk}"
    )
    assert not ArticleDiscussion.objects.filter(comment_count__gt=0).exists()
    assert not LiveEvent.objects.exists()
    assert Identity.objects.get().approved_count == 0


def test_with_javascript_the_answer_is_the_comment_html(
    article, post_moderation, answered_here
):
    app = build_application()

    async def steps():
        async with asgi_reader(app, Accept="application/json") as reader:
            # as discussions.js sends it: FormData, so multipart
            return await reader.post(
                f"/commentaires/{article.pk}/poster/",
                data=_form(texte="Avec du script"),
                files={"fichier": ("vide.txt", b"")},
            )

    response = run_as_server(steps())
    comment = Comment.objects.get()
    assert answered_here == [True]
    body = response.json()
    assert body["id"] == comment.pk and body["status"] == "approved"
    assert f'id="commentaire-{comment.pk}"' in body["html"]
    assert "<p>Avec du script</p>" in body["html"]
    assert COOKIE in response.cookies


def test_everything_else_is_left_to_django_with_the_text_kept(
    article, post_moderation, answered_here
):
    parent = make_comment(article, author_name="Ana")
    held = make_comment(article, status="pending")
    app = build_application()

    async def steps():
        async with asgi_reader(app, "9.9.9.9") as reader:
            no_name = await _post(reader, article, nom="", texte="Mon texte gardé")
            mention = await _post(reader, article, texte="@Ana oui", cle="m")
            follow = await _post(reader, article, notifier_suivi="on", cle="f")
            to_held = await _post(
                reader, article, parent=str(held.pk), texte="Réponse gardée", cle="h"
            )
            other_site = await reader.post(
                f"/commentaires/{article.pk}/poster/",
                data=_form(cle="o"),
                headers={"Origin": "https://ailleurs.example"},
            )
            unknown = await reader.post("/commentaires/999999/poster/", data=_form())
        return no_name, mention, follow, to_held, other_site, unknown

    no_name, mention, follow, to_held, other_site, unknown = run_as_server(steps())
    assert answered_here == [False] * 6
    assert no_name.status_code == 400
    assert "Indiquez le nom" in no_name.text and "Mon texte gardé" in no_name.text
    assert mention.status_code == follow.status_code == 302
    assert Comment.objects.filter(body_raw="@Ana oui").exists()
    assert to_held.status_code == 400
    assert "On ne peut plus répondre" in to_held.text
    assert "Réponse gardée" in to_held.text
    assert other_site.status_code == 403
    assert unknown.status_code == 404
    assert parent.children.count() == 0


def test_a_reply_is_answered_here_and_placed_as_djangos_view_places_it(
    article, post_moderation, answered_here
):
    """A reply below the deepest level attaches to it and names whom it answers."""
    top = make_comment(article, author_name="Ana")
    second = make_comment(article, parent=top, author_name="Basile")
    third = make_comment(article, parent=second, author_name="Chloé")
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            first = await _post(reader, article, parent=str(top.pk), texte="Oui")
            deep = await _post(
                reader, article, parent=str(third.pk), texte="Tout à fait", cle="d"
            )
            return first, deep

    first, deep = run_as_server(steps())
    assert answered_here == [True, True]
    reply = Comment.objects.get(body_raw="Oui")
    assert (reply.parent_id, reply.root_id, reply.depth) == (top.pk, top.pk, 1)
    assert reply.reply_to_name == ""
    deepest = Comment.objects.get(body_raw="Tout à fait")
    assert (deepest.parent_id, deepest.root_id, deepest.depth) == (
        second.pk,
        top.pk,
        2,
    )
    assert deepest.reply_to_name == "Chloé"
    top.refresh_from_db()
    second.refresh_from_db()
    assert (top.reply_count, second.reply_count) == (2, 2)
    assert first.headers["location"].endswith(f"#commentaire-{reply.pk}")
    assert deep.headers["location"].endswith(f"#commentaire-{deepest.pk}")
    with override_settings(DISCUSSIONS_FAST_PATH=False):
        by_django = Client().post(
            f"/commentaires/{article.pk}/poster/",
            _form(parent=str(third.pk), texte="Par Django", cle="v"),
        )
    assert by_django.status_code == 302
    placed = Comment.objects.get(body_raw="Par Django")
    assert (placed.parent_id, placed.root_id, placed.depth, placed.reply_to_name) == (
        deepest.parent_id,
        deepest.root_id,
        deepest.depth,
        deepest.reply_to_name,
    )


def test_past_the_limit_django_refuses_in_french_with_the_text_kept(
    article, post_moderation, answered_here
):
    app = build_application()

    async def steps():
        async with asgi_reader(app, "8.8.8.8") as reader:
            return [
                await _post(reader, article, texte=f"Avis numéro {n}", cle=f"k{n}")
                for n in range(7)
            ]

    answers = run_as_server(steps())
    assert [r.status_code for r in answers] == [302] * 5 + [429] * 2
    assert answered_here == [True] * 5 + [False] * 2
    assert "Patientez une minute" in answers[-1].text
    assert "Avis numéro 6" in answers[-1].text
    assert Comment.objects.count() == 5


def test_a_signed_in_reader_is_left_to_django(
    article, post_moderation, answered_here, django_user_model
):
    user = django_user_model.objects.create_user("lea", "lea@example.org", "x")
    client = Client()
    client.force_login(user)
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            reader.cookies.update({k: m.value for k, m in client.cookies.items()})
            return await _post(reader, article, nom="", consentement="")

    response = run_as_server(steps())
    assert answered_here == [False]
    assert response.status_code == 302
    assert Comment.objects.get().identity.user == user


def test_a_body_too_large_to_read_at_once_is_left_to_django(
    article, post_moderation, answered_here
):
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            return await _post(reader, article, texte="Très long. " * 100)

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=500):
        response = run_as_server(steps())
    assert answered_here == [False]
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_the_discussions_followers_are_told(article, post_moderation, answered_here):
    from django.core import mail
    from django.utils import timezone

    from manchette.discussions import services
    from manchette.discussions.models import Subscription

    follower = services.identity_create(name="Suiveuse", email="suit@example.org")
    Identity.objects.filter(pk=follower.pk).update(email_confirmed_at=timezone.now())
    Subscription.objects.create(
        identity=follower, article=article, kind="article", confirmed_at=timezone.now()
    )
    app = build_application()

    async def steps():
        async with asgi_reader(app) as reader:
            return await _post(reader, article, texte="Du nouveau")

    response = run_as_server(steps())
    assert answered_here == [True]
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["suit@example.org"]
