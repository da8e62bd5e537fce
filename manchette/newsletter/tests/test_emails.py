from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from manchette.newsletter import services, tokens
from manchette.newsletter.models import EditionItem, ListEvent, Subscriber
from manchette.newsletter.tests.factories import (
    default_list,
    make_edition,
    make_subscriber,
)

pytestmark = pytest.mark.django_db


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "background", "action") and value:
                self.urls.append((name, value))


def _send_edition(committed, edition):
    committed(services.edition_send_start, edition=edition)


@pytest.fixture
def edition_sent(sink, committed, site_tree):
    from manchette.newsroom.tests.factories import make_article

    article = make_article(
        site_tree.sections["international"],
        title="Haut-Karabakh : l’exode",
        standfirst="Des milliers de personnes sur les routes.",
    )
    subscriber = make_subscriber("lecteur@exemple.fr", lists=[default_list()])
    edition = make_edition(subject="L’essentiel : « tout » va bien ?")
    EditionItem.objects.create(
        edition=edition, article=article, heading="International"
    )
    _send_edition(committed, edition)
    [message] = sink.parsed()
    return message, subscriber, edition


def test_edition_email_has_one_click_unsubscribe_headers(edition_sent, client):
    message, subscriber, edition = edition_sent
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unfolded = "".join(message["List-Unsubscribe"].split())
    url = re.fullmatch(r"<(.+)>", unfolded).group(1)
    assert url.startswith(settings.SITE_URL + "/lettre/desinscription/")
    assert message["Message-ID"].startswith(f"<edition{edition.pk}.delivery")
    assert message["List-Id"]
    # RFC 8058: a POST with that body, no cookie, no CSRF token, unsubscribes.
    response = client.post(
        url.removeprefix(settings.SITE_URL),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not subscriber.subscriptions.exists()
    event = ListEvent.objects.get(kind="left")
    assert event.edition == edition


def test_edition_email_has_html_and_plain_text_in_french(edition_sent):
    message, _subscriber, _edition = edition_sent
    assert message.is_multipart()
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "Haut-Karabakh : l’exode" in text
    assert "Me désinscrire" in text and "/lettre/desinscription/" in text
    assert "Gérer mes lettres" in text and "/lettre/preferences/" in text
    assert 'lang="fr"' in html
    assert "Haut-Karabakh\u00a0: l’exode" in html  # French spacing
    assert 'style="' in html and "<style" not in html  # inline styles only


def test_edition_email_loads_nothing_from_another_host(edition_sent):
    message, _subscriber, _edition = edition_sent
    html = next(
        p.get_payload(decode=True).decode()
        for p in message.walk()
        if p.get_content_type() == "text/html"
    )
    parser = _Links()
    parser.feed(html)
    assert parser.urls
    for _attr, url in parser.urls:
        assert url.startswith(settings.SITE_URL + "/"), url
    assert "<img" not in html and "@import" not in html and "url(" not in html


def test_edition_links_open_the_readers_own_preferences(edition_sent, client):
    message, subscriber, _edition = edition_sent
    text = next(
        p.get_payload(decode=True).decode()
        for p in message.walk()
        if p.get_content_type() == "text/plain"
    )
    url = re.search(r"http\S+/lettre/preferences/\S+/", text).group(0)
    response = client.get(url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    assert subscriber.email in response.content.decode()


def test_no_header_injection_from_the_subject(sink, committed):
    make_subscriber("lecteur@exemple.fr", lists=[default_list()])
    edition = make_edition(subject="Titre\r\nBcc: espion@ailleurs.fr\nX-Evil: 1")
    _send_edition(committed, edition)
    [message] = sink.parsed()
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in message["Subject"]
    assert set(sink.recipients()) == {"lecteur@exemple.fr"}


def test_confirmation_email_is_html_and_text_and_links_to_the_site(committed):
    from django.core import mail

    committed(
        services.signup_request_create,
        email="lea@exemple.fr",
        list_ids=[default_list().pk],
        consent_text="ok",
        ip="127.0.0.1",
    )
    [message] = mail.outbox
    html = message.alternatives[0][0]
    parser = _Links()
    parser.feed(html)
    assert all(url.startswith(settings.SITE_URL + "/") for _a, url in parser.urls)
    assert "Je confirme" in html and "/lettre/confirmer/" in message.body


def test_unsubscribe_get_does_not_unsubscribe(client):
    subscriber = make_subscriber(lists=[default_list()])
    token = tokens.unsubscribe_token(
        subscriber, list_id=default_list().pk, edition_id=None
    )
    url = reverse("newsletter:unsubscribe", args=[token])
    assert client.get(url).status_code == 200
    assert subscriber.subscriptions.exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not subscriber.subscriptions.exists()
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_tampered_unsubscribe_token_is_refused(client):
    subscriber = make_subscriber(lists=[default_list()])
    token = tokens.unsubscribe_token(subscriber, list_id=None, edition_id=None)
    response = client.post(
        reverse("newsletter:unsubscribe", args=["x" + token]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 404
    assert subscriber.subscriptions.exists()


@pytest.mark.django_db(transaction=True)
def test_unsubscribe_link_of_a_deleted_edition_still_unsubscribes(client):
    """The admin lets an editor delete an edition once sent; the links of its
    emails must unsubscribe all the same (the request used to fail at COMMIT on
    the foreign key of the leave event to the edition: a 500, nobody unsubscribed)."""
    newsletter_list = default_list()
    subscriber = make_subscriber(lists=[newsletter_list])
    edition = make_edition(newsletter_list)
    token = tokens.unsubscribe_token(
        subscriber, list_id=newsletter_list.pk, edition_id=edition.pk
    )
    edition.delete()
    response = client.post(
        reverse("newsletter:unsubscribe", args=[token]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not subscriber.subscriptions.exists()
    [left] = ListEvent.objects.filter(kind="left")
    assert (left.newsletter_list_id, left.edition_id) == (newsletter_list.pk, None)
