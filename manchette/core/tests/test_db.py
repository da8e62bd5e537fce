from __future__ import annotations

import pytest
from django.db import connection, transaction

from manchette.core.db import commit_without_waiting_for_disk

pytestmark = pytest.mark.django_db(transaction=True)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL setting (SQLite: nothing)"
)
def test_only_the_transaction_asking_for_it_commits_without_waiting_for_the_disk():
    with transaction.atomic():
        commit_without_waiting_for_disk()
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == "on"
