from __future__ import annotations

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what services defer to after the commit (emails, tasks) at once: tests
    run inside a transaction that never commits."""

    class _Committed:
        def __call__(self, function, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return function(*args, **kwargs)

    return _Committed()


@pytest.fixture
def sink(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from manchette.newsletter.smtp_sink import smtp_sink

    with smtp_sink() as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.NEWSLETTER_SEND_RATE = 0  # unthrottled
        handler.port = port
        yield handler
