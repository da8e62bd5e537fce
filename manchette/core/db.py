"""Database helpers shared by the apps."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, connections, models

M = TypeVar("M", bound=models.Model)


def commit_without_waiting_for_disk() -> None:
    """Within a transaction on PostgreSQL: its COMMIT returns without waiting for the
    write-ahead log to reach the disk (``synchronous_commit`` off for this transaction
    only). The price, for what is written this way: a crash of the database server
    itself (not of our process) can lose the last fraction of a second of it. Nothing
    to do on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@functools.cache
def _insert_sql(
    model: type[models.Model], vendor: str, unless_taken: str | None
) -> tuple[str, tuple[models.Field, ...]]:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(
        f
        for f in meta.concrete_fields
        if not (f.primary_key and getattr(f, "db_returning", False))
    )
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    conflict = ""
    if unless_taken:
        (unique,) = (f for f in fields if f.name == unless_taken and f.unique)
        conflict = f" ON CONFLICT ({quote(unique.column)}) DO NOTHING"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 - names from the model
        f"{conflict} RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def row_insert(instance: models.Model, *, unless_taken: str | None = None) -> bool:
    """Insert a new instance in one statement and set its primary key, as `save()`
    would, for the hot paths: Django's `save()` builds the same INSERT anew each
    time, which cost a post as much as the rest of its writes.

    With `unless_taken` (a unique field's name), nothing is inserted when that value
    is already stored, and False is returned: no error, so the caller's transaction
    needs no savepoint to go on.

    Sends no pre_save or post_save signal: for models nobody listens to
    (core/tests/test_db.py checks those it is used on). Not for a model that
    inherits another's table."""
    model = type(instance)
    if model._meta.parents:
        raise TypeError(f"{model.__name__} inherits another model's table")
    sql, fields = _insert_sql(model, connection.vendor, unless_taken)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


@functools.cache
def _update_sql(
    model: type[models.Model], vendor: str, names: tuple[str, ...]
) -> tuple[str, tuple[models.Field, ...]]:
    quote = connection.ops.quote_name
    meta = model._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    fields = tuple(by_name[name] for name in names)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model
    return sql, fields


def row_update(instance: models.Model, fields: Sequence[str]) -> None:
    """`save(update_fields=fields)` in one statement built once, for the hot paths;
    sends no signal (see row_insert)."""
    model = type(instance)
    if model._meta.parents:
        raise TypeError(f"{model.__name__} inherits another model's table")
    sql, columns = _update_sql(model, connection.vendor, tuple(fields))
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection)
        for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, instance.pk])


@functools.cache
def _row_layout(
    model: type[models.Model], columns: tuple[str, ...]
) -> tuple[list[int], list[str], list[Any]]:
    """(positions of the selected columns in the model's field order, their names in
    that order, the column expressions whose converters turn a value into Python's)."""
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in columns]
    rank = {f: n for n, f in enumerate(meta.concrete_fields)}
    order = sorted(range(len(fields)), key=lambda i: rank[fields[i]])
    return (
        order,
        [fields[i].attname for i in order],
        [f.get_col(f.model._meta.db_table) for f in fields],
    )


# Per database connection (converters are its backend's bound methods), per layout.
_converters_by_connection: weakref.WeakKeyDictionary[Any, dict[Any, list[Any]]] = (
    weakref.WeakKeyDictionary()
)


def _converters(
    wrapper: Any, model: type[models.Model], columns: tuple[str, ...]
) -> list[tuple[int, Any, list[Any]]]:
    known = _converters_by_connection.setdefault(wrapper, {})
    found = known.get((model, columns))
    if found is None:
        _, _, cols = _row_layout(model, columns)
        found = known[(model, columns)] = [
            (position, col, functions)
            for position, col in enumerate(cols)
            if (
                functions := [
                    *wrapper.ops.get_db_converters(col),
                    *col.get_db_converters(wrapper),
                ]
            )
        ]
    return found


def instances_read(
    model: type[M],
    sql: str,
    params: Sequence[Any],
    *,
    columns: Sequence[str],
    extra: Sequence[str] = (),
) -> list[M]:
    """Instances of `model` from SQL of our own that selects `columns` (the model's
    attribute names, in the SQL's order), then one value per name in `extra`, set as
    attributes. For the hot paths: `Model.objects.raw()` works the same layout out
    anew at each call, which cost a post as much as the query itself. Values go
    through the same converters as the ORM's (dates on SQLite, JSON…)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return instances_from_rows(
        model, rows, columns=columns, extra=extra, wrapper=connections[connection.alias]
    )


def instances_from_rows(
    model: type[M],
    rows: Sequence[Sequence[Any]],
    *,
    columns: Sequence[str],
    extra: Sequence[str] = (),
    wrapper: Any,
) -> list[M]:
    """instances_read's instances from rows read elsewhere (the ASGI fast paths read
    theirs with psycopg's asynchronous connections), through the converters of
    `wrapper`, a Django database connection."""
    layout = tuple(columns)
    order, names, _ = _row_layout(model, layout)
    converters = _converters(wrapper, model, layout)
    found = []
    for fetched in rows:
        row = list(fetched)
        for position, col, functions in converters:
            for convert in functions:
                row[position] = convert(row[position], col, wrapper)
        instance = model.from_db(wrapper.alias, names, [row[i] for i in order])
        for name, value in zip(extra, row[len(order) :], strict=True):
            setattr(instance, name, value)
        found.append(instance)
    return found


@functools.cache
def select_all(model: type[models.Model], vendor: str) -> tuple[str, tuple[str, ...]]:
    """(SELECT of every column of `model`'s table, their attribute names)."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    return (
        f"SELECT {columns} FROM {quote(model._meta.db_table)}",  # noqa: S608 - names from the model
        tuple(f.attname for f in fields),
    )


def instance_first(model: type[M], condition: str, params: Sequence[Any]) -> M | None:
    """The row of `model` for which `condition` (SQL on its own columns, with %s
    parameters) holds, for a condition on a unique column; None when there is none."""
    select, columns = select_all(model, connection.vendor)
    found = instances_read(
        model, f"{select} WHERE {condition} LIMIT 1", params, columns=columns
    )
    return found[0] if found else None
