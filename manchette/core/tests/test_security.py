"""Security headers, the client's address, rate limits and deploy checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from manchette.core.http import client_ip, rate_limit_hit, rate_limits_hit, same_origin

pytestmark = pytest.mark.django_db


def test_public_pages_carry_a_strict_content_security_policy_and_friends(
    client, site_tree
):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_public_pages_make_no_request_to_another_host(client, site_tree):
    html = client.get("/").content.decode()
    for attribute in ("src=", "href="):
        for chunk in html.split(attribute)[1:]:
            url = chunk[1:].split(chunk[0])[0]
            if url.startswith(("http://", "https://", "//")) and (
                'rel="stylesheet"' in chunk[:200] or attribute == "src="
            ):
                assert url.startswith(settings.SITE_URL), url


def test_client_ip_trusts_forwarded_for_only_behind_named_proxies():
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert client_ip(request) == "203.0.113.9"
    with override_settings(TRUSTED_PROXIES=["10.0.0.2"]):
        proxied = factory.get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.2"
        )
        assert client_ip(proxied) == "198.51.100.1"
        forged = factory.get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip"
        )
        assert client_ip(forged) == "10.0.0.2"


def test_rate_limits_count_per_window():
    results = [
        rate_limit_hit(scope="test", key="1.2.3.4", limit=3, window_seconds=60)
        for _ in range(5)
    ]
    assert results == [False, False, False, True, True]
    assert (
        rate_limit_hit(scope="test", key="5.6.7.8", limit=3, window_seconds=60) is False
    )


def test_several_rate_limits_counted_together_stop_at_the_first_exceeded():
    """One round trip on Redis, the same counts as one limit at a time elsewhere."""
    limits = [("test-ip", "9.9.9.9", 2, 60), ("test-article", "7", 3, 60)]
    assert [rate_limits_hit(limits) for _ in range(4)] == [False, False, True, True]
    # The article was counted twice only (the address's limit stopped the others):
    # its third hit is allowed, its fourth is not.
    article_hits = [
        rate_limit_hit(scope="test-article", key="7", limit=3, window_seconds=60)
        for _ in range(2)
    ]
    assert article_hits == [False, True]
    assert not rate_limits_hit([("test-ip", "8.8.8.8", 2, 60)])


def test_same_origin_accepts_our_forms_and_refuses_cross_site_ones():
    factory = RequestFactory()
    assert same_origin(factory.post("/", HTTP_SEC_FETCH_SITE="same-origin"))
    assert not same_origin(factory.post("/", HTTP_SEC_FETCH_SITE="cross-site"))
    assert same_origin(factory.post("/", HTTP_ORIGIN="http://testserver"))
    assert not same_origin(factory.post("/", HTTP_ORIGIN="https://evil.example"))


def test_the_admin_lives_at_the_configured_path(client, site_tree):
    assert client.get(f"/{settings.ADMIN_PATH}/login/").status_code == 200


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_admin_login_is_throttled_after_repeated_failures(client, site_tree, editor):
    url = f"/{settings.ADMIN_PATH}/login/"
    for _ in range(3):
        client.post(url, {"username": "redaction", "password": "mauvais"})
    locked = client.post(url, {"username": "redaction", "password": "motdepasse-test"})
    assert locked.status_code in (403, 429)
    assert not client.session.get("_auth_user_id")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-long-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MANCHETTE_SITE_URL": "https://news.example",
        "DJANGO_ALLOWED_HOSTS": "news.example",
        "MANCHETTE_HTTPS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_health_endpoint_reports_the_database_and_the_scheduler(client, site_tree):
    data = client.get("/sante/").json()
    assert data["status"] == "ok"
    assert data["database"] in ("sqlite", "postgresql")
