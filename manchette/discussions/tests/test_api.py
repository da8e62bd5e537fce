"""The JSON API: the same rules as the forms, and a schema that tells the truth."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from manchette.discussions import services
from manchette.discussions.models import Comment, Subscription
from manchette.discussions.tests.factories import make_comment

pytestmark = pytest.mark.django_db
API = "/api/discussions"


def _send(client, method, path, payload=None, **headers):
    return getattr(client, method)(
        API + path,
        data=json.dumps(payload) if payload is not None else None,
        content_type="application/json",
        **headers,
    )


def _guest(**fields):
    return {"text": "Bien vu.", "name": "Camille", "consent": True, **fields}


def test_thread_lists_pages_of_top_level_comments_with_their_replies(client, article):
    tops = [make_comment(article, body=f"Numéro {n:02d}") for n in range(25)]
    reply = make_comment(article, parent=tops[-1], body="Une réponse")
    make_comment(article, body="En attente", status="pending")
    first = client.get(f"{API}/articles/{article.pk}/comments").json()
    assert first["count"] == 26 and first["has_next"] and len(first["comments"]) == 20
    newest = first["comments"][0]
    assert newest["id"] == tops[-1].pk
    assert [r["id"] for r in newest["replies"]] == [reply.pk]
    assert newest["replies"][0]["html"] == "<p>Une réponse</p>"
    assert newest["url"] == f"{article.url}#commentaire-{tops[-1].pk}"
    second = client.get(
        f"{API}/articles/{article.pk}/comments?page=2&sort=anciens"
    ).json()
    assert not second["has_next"] and len(second["comments"]) == 5
    assert "En attente" not in json.dumps(first) + json.dumps(second)
    assert "@example" not in json.dumps(first)  # emails are never shown
    assert client.get(f"{API}/articles/999999/comments").status_code == 404
    bad = client.get(f"{API}/articles/{article.pk}/comments?sort=pire")
    assert bad.status_code == 400 and "error" in bad.json()


def test_guest_posts_and_replies_once_per_idempotency_key(
    client, article, post_moderation
):
    response = _send(
        client,
        "post",
        f"/articles/{article.pk}/comments",
        _guest(),
        HTTP_IDEMPOTENCY_KEY="cle-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "approved" and body["author"] == "Camille"
    assert "manchette_commentaires" in response.cookies
    again = _send(
        client,
        "post",
        f"/articles/{article.pk}/comments",
        _guest(),
        HTTP_IDEMPOTENCY_KEY="cle-1",
    )
    assert again.json()["id"] == body["id"] and Comment.objects.count() == 1
    reply = _send(
        client,
        "post",
        f"/comments/{body['id']}/replies",
        _guest(text="Je me réponds", idempotency_key="cle-2"),
    )
    assert reply.status_code == 201
    saved = Comment.objects.get(pk=reply.json()["id"])
    assert saved.parent_id == body["id"] and saved.article_id == article.pk


def test_guests_must_name_themselves_and_consent_with_a_french_message(
    client, article, post_moderation
):
    response = _send(
        client, "post", f"/articles/{article.pk}/comments", _guest(consent=False)
    )
    assert response.status_code == 400 and "Cochez la case" in response.json()["error"]
    response = _send(
        client, "post", f"/articles/{article.pk}/comments", _guest(name="")
    )
    assert response.status_code == 400 and "Indiquez le nom" in response.json()["error"]
    response = _send(
        client,
        "post",
        f"/articles/{article.pk}/comments",
        _guest(email="pas-une-adresse"),
    )
    assert response.status_code == 400 and "courriel" in response.json()["error"]
    assert not Comment.objects.exists()


def test_subscriptions_from_the_api_wait_for_the_address_to_be_confirmed(
    client, article, post_moderation
):
    response = _send(
        client,
        "post",
        f"/articles/{article.pk}/comments",
        _guest(email="camille@example.org", notify_replies=True),
    )
    assert response.status_code == 201
    assert Subscription.objects.get().confirmed_at is None


def test_vote_edit_delete_and_report_follow_the_database_not_the_request(
    client, article, post_moderation
):
    mine = _send(client, "post", f"/articles/{article.pk}/comments", _guest()).json()
    other = make_comment(article, body="Celui d’un autre")
    vote = _send(client, "post", f"/comments/{other.pk}/vote", {"value": 1})
    assert vote.status_code == 200 and vote.json()["upvotes"] == 1
    assert (
        _send(client, "post", f"/comments/{other.pk}/vote", {"value": 2}).status_code
        == 400
    )
    edit = _send(client, "patch", f"/comments/{mine['id']}", {"text": "Corrigé"})
    assert edit.status_code == 200 and edit.json()["edited"]
    assert edit.json()["html"] == "<p>Corrigé</p>"
    refused = _send(client, "patch", f"/comments/{other.pk}", {"text": "Pirate"})
    assert refused.status_code == 403 and "modifié" in refused.json()["error"]
    assert _send(client, "delete", f"/comments/{other.pk}").status_code == 403
    stranger = client.__class__()
    assert _send(stranger, "delete", f"/comments/{mine['id']}").status_code == 403
    report = _send(client, "post", f"/comments/{other.pk}/reports", {"reason": "spam"})
    assert report.status_code == 202 and "signalement" in report.json()["message"]
    assert _send(client, "delete", f"/comments/{mine['id']}").json() == {
        "id": mine["id"],
        "deleted": True,
    }
    assert Comment.objects.get(pk=mine["id"]).status == "deleted"
    other.refresh_from_db()
    assert (other.upvotes, other.report_count) == (1, 1)


def test_cross_site_writes_rate_limits_and_closed_articles_are_refused(
    client, article, post_moderation
):
    comment = make_comment(article)
    cross = _send(
        client,
        "post",
        f"/comments/{comment.pk}/vote",
        {"value": 1},
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert cross.status_code == 403
    with override_settings(DISCUSSIONS_RATE_IP=(1, 60)):
        ok = _send(
            client, "post", f"/articles/{article.pk}/comments", _guest(text="Un")
        )
        limited = _send(
            client, "post", f"/articles/{article.pk}/comments", _guest(text="Deux")
        )
    assert ok.status_code == 201
    assert limited.status_code == 429 and "Patientez" in limited.json()["error"]
    services.article_comments_close(article=article, closed=True)
    closed = _send(client, "post", f"/comments/{comment.pk}/vote", {"value": 1})
    assert closed.status_code == 400 and "fermés" in closed.json()["error"]


@pytest.fixture
def wsgi_app():
    """Django as a WSGI app inside the test's transaction: the request signals must
    not close the test's database connection (as Django's test client does)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_answers_as_its_own_openapi_schema_says(
    wsgi_app, article, post_moderation
):
    """Schemathesis generates requests from the schema (few examples: a smoke run
    that stays fast) and checks each answer against it: no 500, documented status
    codes, bodies and content types as declared, malformed input refused. Each generated case is also sent
    with the ids of an existing article and comment, to reach past the 404s."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # A schema-valid body may still be refused with 400 and a French message: a
    # guest must give a name and consent (a signed-in reader need not), comments
    # close, a vote needs a published comment. The schema cannot say so.
    EXCLUDED = [positive_data_acceptance]

    comment = make_comment(article)
    PLAIN = {"Accept-Encoding": "identity"}
    real_ids = {"article_id": article.pk, "comment_id": comment.pk}
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    with override_settings(
        DISCUSSIONS_RATE_IP=(10_000, 60), DISCUSSIONS_RATE_ACTIONS=(10_000, 60)
    ):
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=3,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                # (the WSGI transport does not undo the gzip middleware's work)
                case.call_and_validate(headers=PLAIN, excluded_checks=EXCLUDED)
                if case.path_parameters:
                    case.path_parameters = {
                        name: real_ids[name] for name in case.path_parameters
                    }
                    case.call_and_validate(headers=PLAIN, excluded_checks=EXCLUDED)

            check()
