"""The discussion as a reader without JavaScript uses it: forms, redirects, errors."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from manchette.discussions.models import Comment, Identity
from manchette.discussions.tests.factories import make_comment

pytestmark = pytest.mark.django_db


def _form(**fields):
    data = {
        "nom": "Camille",
        "courriel": "camille@example.org",
        "consentement": "on",
        "texte": "Bien vu.",
        "debut": "",
        "cle": "n1",
    }
    data.update(fields)
    return data


def _post(client, article, **fields):
    from manchette.discussions.forms import form_started_token

    fields.setdefault("debut", form_started_token())
    with override_settings(DISCUSSIONS_MIN_SECONDS=-1):
        return client.post(f"/commentaires/{article.pk}/poster/", _form(**fields))


def test_article_without_comments_invites_the_first(client, article):
    html = client.get(article.url).content.decode()
    assert "Réagissez" in html and "Poster un commentaire" in html
    assert "Soyez le premier à commenter\u202f!" in html
    assert "Me notifier des" in html and 'name="site_web"' in html


def test_guest_posts_without_javascript_and_is_redirected_to_the_comment(
    client, article, post_moderation, django_capture_on_commit_callbacks
):
    client.get(article.url)  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, article, texte="Premier avis\n\nDeuxième paragraphe")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.url}#commentaire-{comment.pk}"
    assert "manchette_commentaires" in response.cookies
    html = client.get(article.url).content.decode()
    assert f'id="commentaire-{comment.pk}"' in html
    assert "<p>Premier avis</p><p>Deuxième paragraphe</p>" in html
    assert "camille@example.org" not in html  # the email is never shown
    assert "1 commentaire" in html


def test_held_comment_redirects_to_a_notice_for_its_author(client, article):
    response = _post(client, article)
    comment = Comment.objects.get()
    assert comment.status == "pending"
    page = client.get(response["Location"])
    assert "relecture par la modération" in page.content.decode()
    assert (
        f'id="commentaire-{comment.pk}"' not in client.get(article.url).content.decode()
    )


def test_errors_keep_the_readers_text_with_a_french_message(
    client, article, post_moderation
):
    response = _post(client, article, nom="", texte="Mon texte précieux")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Mon texte précieux" in html and "Indiquez le nom" in html
    response = _post(client, article, consentement="", texte="Encore")
    assert response.status_code == 400 and "Cochez la case" in response.content.decode()
    assert not Comment.objects.exists()


def test_rate_limit_answers_in_french_and_keeps_the_text(
    client, article, post_moderation
):
    with override_settings(DISCUSSIONS_RATE_IP=(2, 60)):
        for n in range(2):
            assert (
                _post(client, article, texte=f"Avis {n}", cle=f"k{n}").status_code
                == 302
            )
        response = _post(client, article, texte="Le troisième", cle="k3")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Patientez une minute" in html and "Le troisième" in html


def test_double_submit_of_the_form_creates_one_comment(
    client, article, post_moderation
):
    first = _post(client, article, cle="même")
    second = _post(client, article, cle="même")
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    '<a href="javascript:alert(3)">clic</a> javascript:alert(4) '
    "\u202egnp.exe\u202c nul\x00octet https://example.org/?a=1&b=<x>"
)


def _elements(html):
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_hostile_text_is_stored_as_typed_and_rendered_inert(
    client, article, post_moderation
):
    _post(client, article, texte=HOSTILE)
    comment = Comment.objects.get()
    assert comment.body_raw == HOSTILE.replace("\x00", "\ufffd")
    html = client.get(article.url).content.decode()
    body = re.search(
        r'<div class="comment__body" dir="auto">(.*?)</div>', html, re.S
    ).group(1)
    tags = _elements(body)
    assert {tag for tag, _ in tags} <= {"p", "br", "a", "blockquote"}
    assert all(not name.startswith("on") for _, attrs in tags for name, _v in attrs)
    assert [
        v for _, attrs in tags for n, v in attrs if n == "href"
    ] == []  # a new guest's links stay text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "\u202e" not in body


def test_ten_thousand_emoji_are_refused_over_the_limit_then_stored_when_allowed(
    client, article, post_moderation
):
    emoji = "😀" * 10_000
    response = _post(client, article, texte=emoji)
    assert response.status_code == 400 and emoji in response.content.decode()
    from manchette.discussions import services
    from manchette.discussions.tests.factories import make_identity

    with override_settings(DISCUSSIONS_MAX_LENGTH=20_000):
        comment = services.comment_post(
            article=article,
            identity=make_identity(),
            body=emoji,
            ip="192.0.2.3",
            form_age_seconds=9,
        )
    assert Comment.objects.get(pk=comment.pk).body_raw == emoji


def test_links_of_confirmed_readers_are_nofollow_ugc(article, post_moderation):
    from django.utils import timezone

    from manchette.discussions import services
    from manchette.discussions.tests.factories import make_identity

    reader = make_identity(email_confirmed_at=timezone.now(), trust="confirmed")
    comment = services.comment_post(
        article=article,
        identity=reader,
        body="Voir https://example.org/a?b=1&c=2.",
        ip="192.0.2.3",
        form_age_seconds=9,
    )
    assert (
        comment.body_html
        == '<p>Voir <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">https://example.org/a?b=1&amp;c=2</a>.</p>'
    )


def test_client_ip_comes_from_forwarded_for_only_behind_a_trusted_proxy(
    client, article, post_moderation
):
    client.post(
        f"/commentaires/{article.pk}/poster/",
        _form(cle="a"),
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert Comment.objects.get().ip == "127.0.0.1"
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        client.post(
            f"/commentaires/{article.pk}/poster/",
            _form(cle="b", texte="Autre"),
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    assert Comment.objects.latest("pk").ip == "203.0.113.50"


def test_cross_site_posts_are_refused(client, article, post_moderation):
    response = client.post(
        f"/commentaires/{article.pk}/poster/", _form(), HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 403 and not Comment.objects.exists()


def test_reply_vote_report_edit_and_delete_without_javascript(
    client, article, post_moderation
):
    top = make_comment(article, body="Le commentaire de départ")
    reply_page = client.get(f"/commentaires/reponse/{top.pk}/")
    assert (
        reply_page.status_code == 200
        and f'name="parent" value="{top.pk}"' in reply_page.content.decode()
    )
    response = _post(client, article, parent=str(top.pk), texte="Ma réponse")
    reply = Comment.objects.get(parent=top)
    assert response["Location"].endswith(f"#commentaire-{reply.pk}")
    vote = client.post(f"/commentaires/vote/{top.pk}/", {"valeur": "1"})
    assert vote.status_code == 302
    top.refresh_from_db()
    assert top.score == 1
    assert (
        client.post(
            f"/commentaires/signaler/{top.pk}/", {"raison": "abuse"}
        ).status_code
        == 200
    )
    top.refresh_from_db()
    assert top.report_count == 1
    # my own reply: the uncached thread page offers to edit it
    thread = client.get(f"/commentaires/{article.pk}/").content.decode()
    assert f"/commentaires/modifier/{reply.pk}/" in thread
    assert f"/commentaires/modifier/{top.pk}/" not in thread
    assert (
        client.post(
            f"/commentaires/modifier/{reply.pk}/", {"texte": "Ma réponse corrigée"}
        ).status_code
        == 302
    )
    reply.refresh_from_db()
    assert reply.body_raw == "Ma réponse corrigée" and reply.is_edited
    assert "modifié" in client.get(article.url).content.decode()
    assert (
        client.post(
            f"/commentaires/modifier/{top.pk}/", {"texte": "pirate"}
        ).status_code
        == 403
    )
    assert client.post(f"/commentaires/supprimer/{top.pk}/").status_code == 403
    assert client.post(f"/commentaires/supprimer/{reply.pk}/").status_code == 302
    reply.refresh_from_db()
    assert reply.status == "deleted"


def test_a_reply_posted_to_another_articles_form_is_refused(
    client, site_tree, article, post_moderation
):
    from manchette.newsroom.tests.factories import make_article

    other = make_comment(make_article(site_tree.sections["france"]))
    response = _post(client, article, parent=str(other.pk), texte="Détournement")
    assert response.status_code == 400 and "Détournement" in response.content.decode()
    assert Comment.objects.count() == 1


def test_personal_json_lists_my_votes_and_editable_comments_only(
    client, article, post_moderation
):
    _post(client, article)
    mine = Comment.objects.get()
    other = make_comment(article)
    client.post(f"/commentaires/vote/{other.pk}/", {"valeur": "-1"})
    data = client.get(
        f"/commentaires/{article.pk}/moi.json?id={other.pk}&id={mine.pk}"
    ).json()
    assert data["known"] and data["name"] == "Camille"
    assert list(data["editable"]) == [str(mine.pk)]
    assert data["votes"] == {str(other.pk): -1}
    assert client.get(f"/commentaires/{article.pk}/moi.json", HTTP_COOKIE="").json()[
        "known"
    ] in (True, False)
    anonymous = client.__class__().get(f"/commentaires/{article.pk}/moi.json").json()
    assert anonymous == {"known": False, "votes": {}, "editable": {}}


def test_count_json_and_article_cards_show_the_comment_count(
    client, site_tree, article, post_moderation
):
    make_comment(article)
    last = make_comment(article)
    assert client.get(f"/commentaires/{article.pk}/compte.json").json() == {
        "count": 2,
        "last_id": last.pk,
    }
    section = client.get(site_tree.sections["international"].url).content.decode()
    assert "2 commentaires" in section


def test_sorted_and_later_pages_live_on_their_own_uncached_url(client, article):
    for n in range(25):
        make_comment(article, body=f"Numéro {n:02d}")
    html = client.get(article.url).content.decode()
    assert "Numéro 24" in html and "Numéro 04" not in html
    assert f"/commentaires/{article.pk}/?tri=recents&amp;page=2" in html
    second = client.get(f"/commentaires/{article.pk}/?tri=recents&page=2")
    assert "Numéro 04" in second.content.decode()
    assert "no-store" in second["Cache-Control"]
    oldest = client.get(f"/commentaires/{article.pk}/?tri=anciens").content.decode()
    assert oldest.index("Numéro 00") < oldest.index("Numéro 01")
    assert Identity.objects.count() == 0


def test_the_inline_form_gets_json_the_new_comment_html_or_a_french_error(
    client, article, post_moderation
):
    from manchette.discussions.forms import form_started_token

    data = _form(debut=form_started_token(), texte="En ligne")
    with override_settings(DISCUSSIONS_MIN_SECONDS=-1):
        posted = client.post(
            f"/commentaires/{article.pk}/poster/", data, HTTP_ACCEPT="application/json"
        ).json()
        refused = client.post(
            f"/commentaires/{article.pk}/poster/",
            {**data, "nom": "", "cle": "autre"},
            HTTP_ACCEPT="application/json",
        )
    comment = Comment.objects.get()
    assert posted["id"] == comment.pk and posted["status"] == "approved"
    assert f'id="commentaire-{comment.pk}"' in posted["html"]
    assert "<p>En ligne</p>" in posted["html"]
    assert refused.status_code == 400 and "Indiquez le nom" in refused.json()["error"]
    edit_url = f"/commentaires/modifier/{comment.pk}/"
    raw = client.get(edit_url, HTTP_ACCEPT="application/json").json()
    assert raw == {"id": comment.pk, "text": "En ligne"}
    saved = client.post(
        edit_url, {"texte": "En ligne, corrigé"}, HTTP_ACCEPT="application/json"
    )
    assert saved.json()["html"] == "<p>En ligne, corrigé</p>"
    empty = client.post(edit_url, {"texte": ""}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400 and "Écrivez" in empty.json()["error"]


def test_articles_behind_a_view_restriction_take_no_comment_and_show_no_thread(
    client, article, post_moderation
):
    from wagtail.models import PageViewRestriction

    make_comment(article, body="Déjà là")
    api = f"/api/discussions/articles/{article.pk}/comments"
    assert client.get(api).status_code == 200
    # A restriction on the section above the article counts as on the article.
    PageViewRestriction.objects.create(
        page=article.get_parent(),
        restriction_type=PageViewRestriction.PASSWORD,
        password="abonnes",
    )
    assert _post(client, article, texte="Derrière le mur").status_code == 404
    assert client.get(api).status_code == 404
    assert not Comment.objects.filter(body_raw="Derrière le mur").exists()


def test_a_refused_comment_keeps_nothing_of_the_guests_new_details(
    client, article, post_moderation
):
    """The guest's identity, the comment and its effects are written together: a
    comment refused after the identity was updated leaves the identity as it was."""
    assert _post(client, article, nom="Camille", cle="a").status_code == 302
    identity = Identity.objects.get()
    with override_settings(DISCUSSIONS_RATE_IP=(1, 60)):
        response = _post(
            client,
            article,
            nom="Camille Autre",
            courriel="autre@example.org",
            texte="Refusé",
            cle="b",
        )
    assert response.status_code == 429
    identity.refresh_from_db()
    assert (identity.name, identity.email) == ("Camille", "camille@example.org")
    assert Comment.objects.count() == 1


def test_a_published_comment_announces_itself_on_the_live_channel_with_the_count(
    client, article, post_moderation, django_capture_on_commit_callbacks
):
    from manchette.live.models import LiveEvent

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, article, texte="Un", cle="1")
        _post(client, article, texte="Deux", cle="2")
    comments = list(Comment.objects.order_by("pk"))
    events = list(
        LiveEvent.objects.filter(channel=f"article:{article.pk}:comments").order_by(
            "pk"
        )
    )
    assert [e.data for e in events] == [
        {"id": comments[0].pk, "count": 1},
        {"id": comments[1].pk, "count": 2},
    ]
