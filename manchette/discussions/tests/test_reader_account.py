"""The reader's own space: passwordless sign-in by emailed link, the account page,
and their data (GDPR): export as JSON, erasure with or without the texts."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.utils import timezone

from manchette.discussions import services
from manchette.discussions.models import Comment, Identity, Subscription
from manchette.discussions.tests.factories import make_comment, make_identity

pytestmark = pytest.mark.django_db


def _emailed_path(prefix: str) -> str:
    message = mail.outbox[-1]
    return re.search(rf"http://[^/\s]+({prefix}[^\s]+/)", message.body).group(1)


def test_a_reader_signs_in_by_emailed_link_and_finds_their_comments_and_subscriptions(
    client, article
):
    confirmed = make_identity(
        name="Camille",
        email="camille@example.org",
        email_confirmed_at=timezone.now(),
        trust="confirmed",
    )
    mine = make_comment(article, identity=confirmed, body="Mon ancien avis")
    make_comment(article, body="L’avis d’un autre")
    Subscription.objects.create(
        identity=confirmed, article=article, kind="replies", confirmed_at=timezone.now()
    )
    page = client.get("/lecteur/")
    assert "Recevoir un lien de connexion" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    client.post("/lecteur/", {"courriel": "Camille@example.org"})
    [message] = mail.outbox
    assert message.to == ["Camille@example.org"]
    link = _emailed_path("/lecteur/connexion/")
    # Following the link shows a button: a mail scanner signs nobody in.
    assert "Me connecter" in client.get(link).content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post(link).status_code == 302
    account = client.get("/lecteur/").content.decode()
    assert "Mon ancien avis" in account and "L’avis d’un autre" not in account
    assert f"#commentaire-{mine.pk}" in account
    assert "nouvelles réponses à mes commentaires" in account
    confirmed.refresh_from_db()
    assert confirmed.user is not None  # the pseudonymous identity joined the account
    # signed in, the reader's next comment is theirs without the guest cookie
    client.cookies.pop("manchette_commentaires", None)
    from manchette.discussions.readers import request_identity

    request = client.get("/lecteur/").wsgi_request
    assert request_identity(request).pk == confirmed.pk


def test_sign_in_links_expire_are_rate_limited_and_never_open_staff_accounts(
    client, editor, settings
):
    editor.email = "redaction@example.org"
    editor.save()
    client.post("/lecteur/", {"courriel": "redaction@example.org"})
    response = client.post(_emailed_path("/lecteur/connexion/"))
    assert response.status_code == 403 and "administration" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/lecteur/connexion/faux-jeton/").status_code == 400
    settings.DISCUSSIONS_RATE_CONFIRMATION = (2, 3600)
    mail.outbox.clear()
    for _n in range(4):
        page = client.post("/lecteur/", {"courriel": "quelquun@example.org"})
        assert "Si cette adresse" in page.content.decode()
    assert len(mail.outbox) == 2
    bad = client.post("/lecteur/", {"courriel": "pas une adresse"})
    assert bad.status_code == 400 and "pas une adresse" in bad.content.decode()


def test_a_commenter_exports_all_their_comments_as_json_by_emailed_link(
    client, article
):
    identity = make_identity(name="Camille", email="camille@example.org")
    first = make_comment(article, identity=identity, body="Premier")
    services.comment_edit(comment=first, identity=identity, body="Premier, corrigé")
    imported = make_comment(article, body="Importé de WordPress")
    Comment.objects.filter(pk=imported.pk).update(author_email="CAMILLE@example.org")
    make_comment(article, body="Pas à moi")
    client.post("/lecteur/donnees/", {"courriel": "camille@example.org"})
    link = _emailed_path("/lecteur/donnees/")
    response = client.post(link, {"action": "exporter"})
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    texts = [c["text"] for c in data["comments"]]
    assert texts == ["Premier, corrigé", "Importé de WordPress"]
    assert data["comments"][0]["earlier_versions"][0]["text"] == "Premier"
    assert data["identities"][0]["name"] == "Camille"


def test_no_data_link_is_sent_to_an_address_the_discussions_do_not_know(client):
    page = client.post("/lecteur/donnees/", {"courriel": "inconnu@example.org"})
    assert "Si cette adresse" in page.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("choice", ["garder", "effacer"])
def test_erasure_removes_name_and_email_and_keeps_the_text_as_anonyme_or_removes_it(
    client, article, post_moderation, choice
):
    identity = make_identity(name="Camille", email="camille@example.org")
    mine = make_comment(article, identity=identity, body="Mon avis signé")
    answer = make_comment(article, parent=mine, body="Une réponse")
    Subscription.objects.create(identity=identity, article=article, kind="article")
    client.post("/lecteur/donnees/", {"courriel": "camille@example.org"})
    link = _emailed_path("/lecteur/donnees/")
    page = client.post(link, {"action": "effacer", "texte": choice})
    assert "1 commentaire" in page.content.decode()
    mine.refresh_from_db()
    identity.refresh_from_db()
    assert (mine.author_name, mine.author_email, mine.ip) == ("Anonyme", "", None)
    assert (identity.name, identity.email, identity.email_hash) == ("", "", "")
    assert not Subscription.objects.exists()
    html = client.get(article.url).content.decode()
    assert "Camille" not in html and "camille@example.org" not in html
    if choice == "garder":
        assert mine.body_raw == "Mon avis signé" and "Mon avis signé" in html
    else:
        assert mine.status == "deleted" and mine.body_raw == ""
        assert "Mon avis signé" not in html and "Commentaire supprimé" in html
    assert "Une réponse" in html  # other readers' words stay
    answer.refresh_from_db()
    assert answer.status == "approved"
    export = client.post(link, {"action": "exporter"}).json()
    assert export["comments"] == [] and export["identities"] == []


def test_a_signed_in_reader_changes_a_subscription_to_daily_and_cancels_it(
    client, article
):
    user = services.reader_account_for_email(email="lea@example.org")
    identity = Identity.objects.get(user=user)
    subscription = Subscription.objects.create(
        identity=identity, article=article, kind="article", confirmed_at=timezone.now()
    )
    other = Subscription.objects.create(
        identity=make_identity(), article=article, kind="article"
    )
    client.force_login(user)
    client.post(f"/lecteur/abonnements/{subscription.pk}/", {"frequence": "daily"})
    subscription.refresh_from_db()
    assert subscription.frequency == "daily"
    assert (
        client.post(
            f"/lecteur/abonnements/{other.pk}/", {"action": "annuler"}
        ).status_code
        == 404
    )
    client.post(f"/lecteur/abonnements/{subscription.pk}/", {"action": "annuler"})
    assert list(Subscription.objects.all()) == [other]
