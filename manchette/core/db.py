"""Database helpers shared by the apps."""

from __future__ import annotations

from django.db import connection


def commit_without_waiting_for_disk() -> None:
    """Within a transaction on PostgreSQL: its COMMIT returns without waiting for the
    write-ahead log to reach the disk (``synchronous_commit`` off for this transaction
    only). The price, for what is written this way: a crash of the database server
    itself (not of our process) can lose the last fraction of a second of it. Nothing
    to do on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
