from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from manchette.newsletter import services, tokens
from manchette.newsletter.models import (
    ListKind,
    SignupRequest,
    Subscriber,
    Suppression,
)
from manchette.newsletter.tests.factories import default_list, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup(client, committed):
    def _signup(email="lea@exemple.fr", lists=None, **extra):
        lists = lists if lists is not None else [default_list().pk]
        return committed(
            client.post,
            reverse("newsletter:signup"),
            {"email": email, "lists": lists},
            **extra,
        )

    return _signup


def _confirm_url(message) -> str:
    return re.search(r"https?://\S+/lettre/confirmer/\S+/", message.body).group(0)


def test_signup_sends_one_confirmation_and_subscribes_nobody_yet(client, signup):
    response = signup(email="  Lea@Exemple.FR ")
    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:thanks")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lea@exemple.fr"]
    assert "/lettre/confirmer/" in mail.outbox[0].body
    assert not Subscriber.objects.exists()
    assert SignupRequest.objects.get().email == "lea@exemple.fr"


def test_confirmation_link_shows_a_button_then_subscribes_on_post(client, signup):
    signup()
    url = _confirm_url(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    assert not Subscriber.objects.exists()  # a mail scanner's GET confirms nothing
    response = client.post(url)
    subscriber = Subscriber.objects.get(email="lea@exemple.fr")
    assert subscriber.lists.get() == default_list()
    assert response["Location"].startswith("/lettre/preferences/")
    assert not SignupRequest.objects.exists()
    assert client.post(url).status_code == 404  # a used link is refused


def test_invalid_address_is_refused_with_a_french_message_and_kept(client, signup):
    response = signup(email="pas une adresse")
    assert response.status_code == 400
    assert "n’est pas valide" in response.content.decode()
    assert 'value="pas une adresse"' in response.content.decode()
    assert not SignupRequest.objects.exists()
    assert mail.outbox == []


def test_signup_without_any_list_is_refused(client, signup):
    response = signup(lists=[])
    assert response.status_code == 400
    assert "au moins une lettre" in response.content.decode()


def test_answer_is_the_same_whether_or_not_already_subscribed(client, signup):
    make_subscriber("deja@exemple.fr", lists=[default_list()])
    known = signup(email="deja@exemple.fr")
    unknown = signup(email="inconnu@exemple.fr")
    assert (known.status_code, known["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    known_json = signup(
        email="deja@exemple.fr",
        lists=[default_list(ListKind.ALERTS).pk],
        HTTP_ACCEPT="application/json",
    )
    unknown_json = signup(email="autre@exemple.fr", HTTP_ACCEPT="application/json")
    assert known_json.json() == unknown_json.json()


def test_signing_up_someone_else_changes_nothing_until_they_confirm(client, signup):
    victim = make_subscriber("victime@exemple.fr", lists=[default_list()])
    signup(email="victime@exemple.fr", lists=[default_list(ListKind.ALERTS).pk])
    assert list(victim.lists.all()) == [default_list()]
    assert [m.to for m in mail.outbox] == [["victime@exemple.fr"]]
    assert "confirmer" in mail.outbox[0].body


def test_confirmations_are_rate_limited_per_address(client, settings, signup):
    settings.NEWSLETTER_SIGNUP_LIMIT_PER_ADDRESS = 2
    for list_kind in (ListKind.DIGEST, ListKind.ALERTS, ListKind.DIGEST):
        SignupRequest.objects.all().delete()  # not a double submit
        response = signup(email="cible@exemple.fr", lists=[default_list(list_kind).pk])
        assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_confirmations_are_rate_limited_per_client_address(client, settings, signup):
    settings.NEWSLETTER_SIGNUP_LIMIT_PER_IP = 3
    for n in range(5):
        signup(email=f"robot{n}@exemple.fr")
    assert len(mail.outbox) == 3


def test_double_submit_sends_one_email(client, signup):
    signup()
    signup()
    assert len(mail.outbox) == 1
    assert SignupRequest.objects.count() == 1


def test_suppressed_address_gets_no_email_and_the_same_answer(client, signup):
    Suppression.objects.create(email="rebond@exemple.fr", reason="bounce")
    response = signup(email="rebond@exemple.fr")
    assert response.status_code == 302
    assert mail.outbox == []


def test_cross_site_signup_post_is_refused(client, signup):
    response = signup(HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert mail.outbox == []


def test_unconfirmed_signups_expire_after_seven_days(client, signup):
    signup()
    url = _confirm_url(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert services.signup_requests_expire() == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert services.signup_requests_expire() == 1
        assert client.post(url).status_code == 404
    assert not SignupRequest.objects.exists()


def test_expiry_job_is_registered_with_the_scheduler():
    from manchette.core.scheduling import periodic_jobs

    names = {job.name for job in periodic_jobs()}
    assert "lettres : inscriptions expirées" in names
    assert "lettres : composition" in names
    assert "lettres : envois et reprises" in names


def test_topic_follow_creates_the_topic_list_on_confirmation(client):
    from manchette.newsroom.tests.factories import make_topic

    topic = make_topic("Arménie")
    response = client.post(
        reverse("newsletter:signup"), {"email": "suivi@exemple.fr", "topic": topic.slug}
    )
    assert response.status_code == 302
    signup = SignupRequest.objects.get()
    services.signup_confirm(signup=signup)
    assert Subscriber.objects.get().lists.get().topic == topic


def test_tampered_preferences_token_is_refused(client):
    subscriber = make_subscriber(lists=[default_list()])
    token = tokens.preferences_token(subscriber)
    assert (
        client.get(reverse("newsletter:preferences", args=[token])).status_code == 200
    )
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("newsletter:preferences", args=[tampered]))
    assert response.status_code == 404
    assert "Lien non valable" in response.content.decode()
    forged = (
        tokens.preferences_token(make_subscriber()).split(":")[0]
        + ":"
        + token.split(":")[1]
    )
    assert (
        client.get(reverse("newsletter:preferences", args=[forged])).status_code == 404
    )


def test_preferences_change_lists_pause_and_leave(client):
    digest, alerts = default_list(), default_list(ListKind.ALERTS)
    subscriber = make_subscriber(lists=[digest])
    url = reverse("newsletter:preferences", args=[tokens.preferences_token(subscriber)])
    client.post(url, {"action": "save", "lists": [alerts.pk]})
    assert list(subscriber.lists.all()) == [alerts]
    client.post(url, {"action": "pause"})
    subscriber.refresh_from_db()
    assert subscriber.paused
    client.post(url, {"action": "resume"})
    subscriber.refresh_from_db()
    assert not subscriber.paused
    response = client.post(url, {"action": "leave"})
    assert response["Location"] == reverse("newsletter:left")
    assert not Subscriber.objects.exists()
    assert client.get(url).status_code == 404


def test_signup_block_is_on_every_page_without_csrf_token(client, site_tree):
    from manchette.newsroom.tests.factories import make_article

    article = make_article(site_tree.sections["france"])
    html = client.get(article.url).content.decode()
    assert 'action="/lettre/inscription/"' in html
    assert "csrfmiddlewaretoken" not in html
    assert "L’essentiel du jour" in html


def test_the_cached_signup_block_follows_the_lists_the_editors_change(
    client, site_tree
):
    essential = default_list()
    assert "L’essentiel du jour" in client.get("/").content.decode()
    essential.name = "Le journal du soir"
    essential.save()
    html = client.get("/").content.decode()
    assert "Le journal du soir" in html
    assert "L’essentiel du jour" not in html


def test_newsletter_page_lists_a_weekly_letter_per_section(client, site_tree):
    html = client.get(reverse("newsletter:home")).content.decode()
    assert "La semaine : International" in html
    assert "La semaine : Sport" in html
    assert "Alertes" in html


def test_topic_page_offers_to_follow_the_topic_by_email(client, site_tree):
    from manchette.newsroom.tests.factories import make_topic

    topic = make_topic("Haut-Karabakh")
    html = client.get(f"/sujets/{topic.slug}/").content.decode()
    assert f'<input type="hidden" name="topic" value="{topic.slug}">' in html
    assert 'action="/lettre/inscription/"' in html
    assert "par courriel" in html
