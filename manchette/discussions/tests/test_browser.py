"""The discussion in a real browser (Debian's Chromium through Playwright): a guest
posts, replies, votes, sorts, follows the replies by email (double opt-in), is told of
an answer and unsubscribes in one click; a moderator holds, approves and bans; without
JavaScript a comment is posted all the same; screenshots of a busy thread at phone and
desktop widths. No request ever goes to another host.

Transactional tests with pytest-django's `live_server`: the server's thread must see
committed rows, and its after-commit work (the emails) must run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from manchette.discussions.models import (
    Comment,
    DiscussionSettings,
    Identity,
    Subscription,
)
from manchette.discussions.tests.factories import make_comment, make_identity
from manchette.newsroom.models import ArticlePage
from manchette.newsroom.tests.factories import make_article
from manchette.newsroom.tests.test_browser import DESKTOP, PHONE, Reader, reader_tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PARAGRAPHS = [
    "Les dirigeants des deux pays se sont retrouvés à Moscou pour une nouvelle "
    "série de pourparlers, sous l’œil de la diplomatie russe.",
    "Sur la table : la délimitation de la frontière et la réouverture des voies "
    "de communication entre les deux États.",
]


@pytest.fixture
def server(live_server, site_tree, settings):
    """The live server, post-moderation, and limits that let one address (every
    reader here is 127.0.0.1) type faster than a person."""
    settings.DISCUSSIONS_MIN_SECONDS = -1
    settings.DISCUSSIONS_RATE_IP = (1000, 60)
    settings.DISCUSSIONS_RATE_CONFIRMATION = (100, 3600)
    _policy_set("post")
    return live_server


@pytest.fixture
def article(site_tree):
    return make_article(
        site_tree.sections["international"],
        title="Azerbaïdjan et Arménie : pourparlers de paix à Moscou",
        paragraphs=PARAGRAPHS,
    )


def _policy_set(policy: str) -> None:
    row = DiscussionSettings.load()
    row.policy = policy
    row.save()


@contextmanager
def no_script_tab(browser, server) -> Iterator[Reader]:
    """As the newsroom's reader_tab, with JavaScript off."""
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        reader = Reader(context.new_page(), server.url)
        yield reader
        assert reader.other_hosts == [], "requests to other hosts"
    finally:
        context.close()


def _fill_comment(form, *, text, name="", email="", notify_replies=False):
    form.get_by_label("Votre commentaire").fill(text)
    if name:
        form.get_by_label("Nom affiché").fill(name)
    if email:
        form.get_by_label("Courriel (jamais affiché)").fill(email)
    if notify_replies:
        form.get_by_label("nouvelles réponses à mes commentaires").check()
    form.get_by_label(re.compile("J’accepte que mon nom")).check()


def _link_in(message, prefix: str) -> str:
    return urlsplit(re.search(rf"http://\S+{prefix}\S+/", message.body).group(0)).path


def _comment(page, text: str):
    """The comment itself, without the replies nested in its item."""
    return page.locator("[data-comment] > article", has_text=text).first


def test_a_guest_posts_follows_replies_is_told_of_an_answer_and_unsubscribes(
    browser, server, article
):
    sent_before = len(mail.outbox)
    with reader_tab(browser, server) as camille:
        camille.open(article.url)
        page = camille.page
        assert page.get_by_text("Soyez le premier à commenter").is_visible()
        form = page.locator("#discussion-form")
        _fill_comment(
            form,
            text="Analyse solide, merci.",
            name="Camille",
            email="camille@example.org",
            notify_replies=True,
        )
        form.get_by_role("button", name="Publier").click()
        mine = _comment(page, "Analyse solide, merci.")
        mine.wait_for()  # inline: the page was not reloaded
        assert urlsplit(page.url).path == article.url
        # Corrected inline, within the edit window.
        mine.get_by_role("link", name="Modifier").click()
        edit = mine.locator("[data-edit-form]")
        edit.get_by_label("Modifier mon commentaire").fill(
            "Analyse solide, merci. (Corrigé.)"
        )
        edit.get_by_role("button", name="Enregistrer").click()
        mine.get_by_text("(Corrigé.)").wait_for()
        assert mine.locator(".comment__edited").is_visible()
        assert "camille@example.org" not in page.content()
        confirmation = mail.outbox[sent_before]
        assert confirmation.to == ["camille@example.org"]
        assert "Analyse solide" not in confirmation.body
        # The emailed link opens a page with a button: following it confirms nothing.
        camille.open(_link_in(confirmation, "/commentaires/confirmer/"))
        page.get_by_role("button", name="Confirmer mon adresse").click()
        page.get_by_text("votre adresse est confirmée").wait_for()
        assert Subscription.objects.get(
            identity__email="camille@example.org"
        ).confirmed_at

        with reader_tab(browser, server) as bob:
            bob.open(article.url)
            other = bob.page
            _comment(other, "Analyse solide, merci.").get_by_role(
                "link", name="Répondre"
            ).click()
            reply_form = other.locator("form[id^=reponse-]")
            _fill_comment(reply_form, text="Je ne suis pas d’accord.", name="Bob")
            reply_form.get_by_role("button", name="Publier").click()
            _comment(other, "Je ne suis pas d’accord.").wait_for()
            vote = _comment(other, "Analyse solide, merci.").locator(
                "form.comment__vote"
            )
            vote.get_by_role("button", name="Approuver", exact=True).click()
            vote.locator("[data-vote='1'][aria-pressed=true]").wait_for()
            assert vote.locator("[data-upvotes]").inner_text() == "1"

        notification = mail.outbox[-1]
        assert notification.to == ["camille@example.org"]
        assert notification.subject == "Nouvelle réponse à votre commentaire"
        assert "Je ne suis pas" not in notification.body  # no reader text in emails
        assert f"{article.url}#commentaire-" in notification.body
        camille.open(article.url)
        _comment(page, "Je ne suis pas d’accord.").wait_for()
        # Sorting: the oldest first puts Camille's comment before Bob's (a reply of it).
        page.get_by_role("link", name="Les plus anciens").click()
        page.wait_for_url(re.compile(r"tri=anciens"))
        assert page.get_by_role("link", name="Les plus anciens").get_attribute(
            "aria-current"
        )
        unsubscribe = _link_in(notification, "/commentaires/desabonner/")
        assert notification.extra_headers["List-Unsubscribe-Post"] == (
            "List-Unsubscribe=One-Click"
        )
        camille.open(unsubscribe)
        page.get_by_role("button", name="Me désabonner").click()
        page.get_by_text("vous ne recevrez plus ces messages").wait_for()
        assert not Subscription.objects.filter(
            identity__email="camille@example.org"
        ).exists()


def test_without_javascript_a_guest_posts_a_comment(browser, server, article):
    with no_script_tab(browser, server) as reader:
        reader.open(article.url)
        page = reader.page
        form = page.locator("#discussion-form")
        _fill_comment(form, text="Sans JavaScript, ça marche aussi.", name="Dom")
        form.get_by_role("button", name="Publier").click()
        page.wait_for_load_state()
        comment = Comment.objects.get(body_raw="Sans JavaScript, ça marche aussi.")
        assert urlsplit(page.url).path == article.url
        assert page.url.endswith(f"#commentaire-{comment.pk}")
        assert _comment(page, "Sans JavaScript, ça marche aussi.").is_visible()


def _moderator_page(browser, server):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{server.url}/admin/login/")
    page.fill("input[name=username]", "redaction")  # the `editor` fixture
    page.fill("input[name=password]", "motdepasse-test")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")
    return context, page


def _queue_decide(admin, server, comment: Comment, action: str, view: str = "") -> None:
    admin.goto(f"{server.url}/admin/discussions/moderation/{view}")
    admin.get_by_label(f"Choisir {comment.pk}").check()
    admin.get_by_role("button", name=action, exact=True).click()
    admin.get_by_text("commentaire(s) traité(s)").wait_for()


def test_a_moderator_approves_a_held_comment_holds_a_published_one_and_bans(
    browser, server, article, editor
):
    _policy_set("pre")
    with reader_tab(browser, server) as guest:
        guest.open(article.url)
        page = guest.page
        form = page.locator("#discussion-form")
        _fill_comment(form, text="Un avis à relire.", name="Eve")
        form.get_by_role("button", name="Publier").click()
        page.get_by_text("publié après relecture").wait_for()
        held = Comment.objects.get(body_raw="Un avis à relire.")
        assert held.status == "pending"

        context, admin = _moderator_page(browser, server)
        try:
            _queue_decide(admin, server, held, "Publier")
            held.refresh_from_db()
            assert held.status == "approved"
            guest.open(article.url)
            assert _comment(page, "Un avis à relire.").is_visible()

            _queue_decide(admin, server, held, "Retenir (dépublier)", "?etat=publies")
            guest.open(article.url)
            assert _comment(page, "Un avis à relire.").count() == 0

            troll = make_comment(
                article,
                identity=make_identity(name="Troll"),
                body="Achetez ici.",
                status="pending",
            )
            _queue_decide(admin, server, troll, "Bannir l’auteur")
            troll.refresh_from_db()
            assert troll.status == "spam"
            assert Identity.objects.get(pk=troll.identity_id).is_banned
        finally:
            context.close()


def _busy_thread(article: ArticlePage) -> None:
    """22 threads with replies, votes, a pinned comment and an editors' pick."""
    names = ["Léa", "Karim", "Sophie", "Marc", "Inès", "Paul", "Yasmine", "Hugo"]
    texts = [
        "Merci pour cet article très complet, on comprend enfin les enjeux.",
        "La médiation russe n’a jamais rien réglé dans le Caucase.",
        "Il manque le point de vue des habitants de la région.",
        "Source ? J’aimerais lire le texte de l’accord.",
        "Bon résumé. La carte aide beaucoup.",
    ]
    now = timezone.now()
    for n in range(22):
        top = make_comment(
            article,
            body=texts[n % len(texts)],
            created_at=now - timedelta(minutes=300 - n * 10),
            upvotes=(n * 7) % 23,
            downvotes=n % 4,
            score=(n * 7) % 23 - n % 4,
            is_pinned=n == 3,
            is_editors_pick=n == 20,
        )
        Comment.objects.filter(pk=top.pk).update(author_name=names[n % len(names)])
        if n % 3 == 0:
            reply = make_comment(
                article,
                parent=top,
                body="Je vous rejoins sur ce point.",
                created_at=now - timedelta(minutes=290 - n * 10),
                upvotes=2,
            )
            answer = make_comment(
                article,
                parent=reply,
                body="Pas moi : relisez le troisième paragraphe.",
                created_at=now - timedelta(minutes=280 - n * 10),
            )
            Comment.objects.filter(pk=reply.pk).update(author_name=names[n % 5 + 1])
            Comment.objects.filter(pk=answer.pk).update(author_name=names[n % 5 + 2])


def test_screenshots_of_a_busy_thread_at_phone_and_desktop_widths(
    browser, server, article
):
    from PIL import Image

    seed = article
    _busy_thread(seed)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        tall = {**viewport, "height": 1400 if width == "phone" else 1100}
        with reader_tab(browser, server, viewport=tall) as reader:
            reader.open(seed.url)
            page = reader.page
            assert page.locator("[data-comments] > li").count() == 20
            assert page.get_by_text("Choix de la rédaction").first.is_visible()
            assert page.locator(".comment--pinned").count() == 1
            page.locator(".discussion__sorts").scroll_into_view_if_needed()
            page.evaluate(
                "window.scrollTo(0, document.querySelector('.discussion__sorts')"
                ".getBoundingClientRect().top + window.scrollY - 120)"
            )
            path = SCREENSHOTS / f"discussions-{width}-thread.png"
            page.screenshot(path=path)
            # 256 colours: the text stays sharp and the file small.
            Image.open(path).convert("RGB").quantize(colors=128).save(
                path, optimize=True
            )
