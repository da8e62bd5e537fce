"""« @nom »: a reader names someone who already commented in the thread; the text
links to that person's latest comment, and they are told as for a reply — once,
only when the comment is published, only at a confirmed address."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.utils import timezone

from manchette.discussions import selectors, services
from manchette.discussions.models import Comment, Subscription
from manchette.discussions.rendering import Participant, body_render
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


def _post(article, identity, body, **options):
    options.setdefault("form_age_seconds", 30)
    return services.comment_post(
        article=article, identity=identity, body=body, ip="198.51.100.7", **options
    )


MENTION_LINK = re.compile(
    r'<a href="#(commentaire-\d+)" class="mention"[^>]*>([^<]*)</a>'
)


def _mentions(comment: Comment) -> list[tuple[str, str]]:
    """(text, anchor) of each mention link in the comment's stored HTML."""
    return [(text, anchor) for anchor, text in MENTION_LINK.findall(comment.body_html)]


def _confirmed(name: str, email: str):
    return make_identity(name=name, email=email, email_confirmed_at=timezone.now())


def _follows_replies(identity, article, *, confirmed: bool = True, kind="replies"):
    return Subscription.objects.create(
        identity=identity,
        article=article,
        kind=kind,
        confirmed_at=timezone.now() if confirmed else None,
    )


# Rendering ------------------------------------------------------------------------------------


def test_a_mention_links_to_the_persons_latest_comment(article, post_moderation):
    camille = make_identity(name="Camille")
    make_comment(article, identity=camille, body="Premier avis.")
    latest = make_comment(article, identity=camille, body="Deuxième avis.")
    comment = _post(article, make_identity(name="Bob"), "@Camille a raison.")
    assert _mentions(comment) == [("@Camille", f"commentaire-{latest.pk}")]
    assert comment.body_html.endswith(" a raison.</p>")
    assert list(comment.mentioned.all()) == [camille]


def test_a_mention_that_names_nobody_stays_plain_text(article, post_moderation):
    make_comment(article, identity=make_identity(name="Camille"))
    comment = _post(article, make_identity(name="Bob"), "@Dominique et @Camillette ?")
    assert comment.body_html == "<p>@Dominique et @Camillette ?</p>"
    assert not comment.mentioned.exists()


def test_mentions_ignore_case_and_accents_and_keep_the_text_as_typed(
    article, post_moderation
):
    eloise = make_identity(name="Éloïse Lefèvre")
    theirs = make_comment(article, identity=eloise)
    comment = _post(
        article, make_identity(name="Bob"), "Merci @eloise LEFEVRE, et @Éloïse lefèvre."
    )
    anchor = f"commentaire-{theirs.pk}"
    assert _mentions(comment) == [
        ("@eloise LEFEVRE", anchor),
        ("@Éloïse lefèvre", anchor),
    ]
    assert list(comment.mentioned.all()) == [eloise]


def test_the_longest_name_wins_when_several_people_share_its_start(
    article, post_moderation
):
    jean = make_comment(article, identity=make_identity(name="Jean"))
    jean_pierre = make_comment(article, identity=make_identity(name="Jean-Pierre"))
    jean_pierre_d = make_comment(
        article, identity=make_identity(name="Jean-Pierre Dupont")
    )
    comment = _post(
        article,
        make_identity(name="Bob"),
        "@Jean-Pierre Dupont, @jean-pierre et @Jean ; pas @Jeanne ni @Jean-Claude.",
    )
    assert _mentions(comment) == [
        ("@Jean-Pierre Dupont", f"commentaire-{jean_pierre_d.pk}"),
        ("@jean-pierre", f"commentaire-{jean_pierre.pk}"),
        ("@Jean", f"commentaire-{jean.pk}"),
    ]
    assert comment.mentioned.count() == 3


def test_addresses_and_links_with_an_at_sign_are_not_mentions(article, post_moderation):
    make_comment(article, identity=make_identity(name="Ana"))
    writer = make_identity(name="Bob", trust="confirmed")
    comment = _post(
        article, writer, "Écrire à ana@example.org ou https://social.example/@Ana"
    )
    assert 'class="mention"' not in comment.body_html
    assert 'href="https://social.example/@Ana"' in comment.body_html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_and_hostile_names_stay_inert(article, post_moderation):
    hostile_name = '<img src=x onerror="alert(1)">'
    target = make_comment(article, identity=make_identity(name=hostile_name))
    body = (
        f"@{hostile_name} <script>alert(2)</script> "
        '@<img src=x onerror="alert(3)"> "@x" onmouseover="alert(4)" '
        "javascript:alert(5) \u202e@tnemmoc"
    )
    comment = _post(article, make_identity(name="Bob"), body)
    assert comment.body_raw == body  # stored as typed
    parser = _Tags()
    parser.feed(comment.body_html)
    assert parser.tags == [
        ("p", {}),
        (
            "a",
            {
                "href": f"#commentaire-{target.pk}",
                "class": "mention",
                "rel": "nofollow ugc noopener",
            },
        ),
    ]
    assert '@&lt;img src=x onerror="alert(1)"&gt;</a>' in comment.body_html
    assert "<script" not in comment.body_html and "\u202e" not in comment.body_html


def test_quoting_a_passage_keeps_its_mentions_but_only_the_writers_own_tell(
    article, post_moderation
):
    camille = make_identity(name="Camille")
    dominique = make_identity(name="Dominique")
    theirs = make_comment(article, identity=camille)
    make_comment(article, identity=dominique)
    comment = _post(
        article,
        make_identity(name="Bob"),
        "> @Camille se trompe sur les dates.\n\n@Dominique, je ne suis pas d’accord.",
    )
    assert comment.body_html.startswith(
        f'<blockquote><p><a href="#commentaire-{theirs.pk}" class="mention"'
    )
    assert "</a> se trompe sur les dates.</p></blockquote><p><a " in comment.body_html
    assert list(comment.mentioned.all()) == [dominique]  # not who the quote named


def test_an_edit_renders_mentions_again(article, post_moderation):
    make_comment(article, identity=make_identity(name="Camille"))
    bob = make_identity(name="Bob")
    comment = _post(article, bob, "Je réponds à Camille.")
    comment = services.comment_edit(
        comment=comment, identity=bob, body="Je réponds à @Camille."
    )
    assert _mentions(comment)[0][0] == "@Camille"
    assert comment.mentioned.count() == 1
    comment = services.comment_edit(comment=comment, identity=bob, body="Plus rien.")
    assert not comment.mentioned.exists()


def test_body_render_without_participants_is_the_plain_pipeline():
    people = [Participant("Jean", 7, None)]
    assert body_render("@Jean", links=False) == "<p>@Jean</p>"
    assert body_render("@Jean", links=False, participants=people) == (
        '<p><a href="#commentaire-7" class="mention" rel="nofollow ugc noopener">'
        "@Jean</a></p>"
    )


def test_participants_are_the_names_of_published_comments_latest_first(
    article, django_assert_num_queries
):
    camille = make_identity(name="Camille")
    make_comment(article, identity=camille)
    make_comment(article, identity=make_identity(name="Dominique"))
    make_comment(article, identity=make_identity(name="Masqué"), status="pending")
    make_comment(article, identity=make_identity(name="camille"))  # the same name
    last = make_comment(article, identity=camille)
    with django_assert_num_queries(1):
        participants = selectors.thread_participants(article_id=article.pk)
    assert (participants[0].name, participants[0].comment_id) == ("Camille", last.pk)
    assert [p.name for p in participants] == ["Camille", "Dominique"]


def test_participants_json_offers_names_only(client, article):
    make_comment(
        article, identity=make_identity(name="Camille", email="camille@example.org")
    )
    response = client.get(f"/commentaires/{article.pk}/participants.json")
    assert response.status_code == 200
    assert response.json() == {"names": ["Camille"]}
    assert b"example.org" not in response.content
    too_large = client.get(f"/commentaires/{2**64}/participants.json")
    assert too_large.status_code == 404


# Notifications ----------------------------------------------------------------------------------


def test_a_mentioned_subscriber_is_told_once_after_approval(
    article, django_capture_on_commit_callbacks
):
    camille = _confirmed("Camille", "camille@example.org")
    make_comment(article, identity=camille)
    _follows_replies(camille, article)
    with django_capture_on_commit_callbacks(execute=True):
        held = _post(article, make_identity(name="Bob"), "Bien vu @Camille.")
    assert held.status == "pending" and mail.outbox == []  # not before publication
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(comment=held, moderator=None, action="approve")
    [message] = mail.outbox
    assert message.to == ["camille@example.org"]
    assert message.subject == "Un lecteur vous a mentionné dans la discussion"
    assert "Bien vu" not in message.body and "Bob" not in message.body
    assert f"#commentaire-{held.pk}" in message.body
    assert "List-Unsubscribe" in message.extra_headers
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_moderate(comment=held, moderator=None, action="hold")
        services.comment_moderate(comment=held, moderator=None, action="approve")
    assert len(mail.outbox) == 2  # a new publication is a new notice, never a copy


def test_no_notice_to_an_unconfirmed_address_or_without_subscription(
    article, post_moderation, django_capture_on_commit_callbacks
):
    unconfirmed = make_identity(name="Camille", email="camille@example.org")
    make_comment(article, identity=unconfirmed)
    _follows_replies(unconfirmed, article, confirmed=False)
    silent = _confirmed("Dominique", "dominique@example.org")  # follows nothing
    make_comment(article, identity=silent)
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post(article, make_identity(name="Bob"), "@Camille et @Dominique")
    assert comment.status == "approved"
    assert comment.mentioned.count() == 2
    assert mail.outbox == []


def test_a_reply_that_also_mentions_its_parent_tells_once(
    article, post_moderation, django_capture_on_commit_callbacks
):
    camille = _confirmed("Camille", "camille@example.org")
    parent = make_comment(article, identity=camille)
    _follows_replies(camille, article)
    _follows_replies(camille, article, kind="article")
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            article,
            make_identity(name="Bob"),
            "@Camille : oui, @camille.",
            parent=parent,
        )
    [message] = mail.outbox
    assert message.subject == "Nouvelle réponse à votre commentaire"


def test_mentioning_oneself_tells_nobody(
    article, post_moderation, django_capture_on_commit_callbacks
):
    camille = _confirmed("Camille", "camille@example.org")
    make_comment(article, identity=camille)
    _follows_replies(camille, article)
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post(article, camille, "Comme je le disais, @Camille a raison.")
    assert 'class="mention"' in comment.body_html
    assert not comment.mentioned.exists() and mail.outbox == []


def test_daily_digest_of_replies_counts_mentions(
    article, post_moderation, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from manchette.discussions.notifications import daily_digests_send

    camille = _confirmed("Camille", "camille@example.org")
    make_comment(article, identity=camille)
    subscription = _follows_replies(camille, article)
    Subscription.objects.filter(pk=subscription.pk).update(
        frequency="daily", last_sent_at=timezone.now() - timedelta(days=2)
    )
    _post(article, make_identity(name="Bob"), "@Camille, une question.")
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digests_send() == 1
    assert "1 nouvelle(s) réponse(s)" in mail.outbox[-1].body
