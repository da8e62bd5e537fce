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
