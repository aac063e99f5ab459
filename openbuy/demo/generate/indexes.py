"""The models' own list indexes built once, after the rows are in, instead of row by row.

A need carries seven indexes for its lists' sorts (``Meta.indexes``: hottest, most supported,
newest …); keeping them current through a hundred thousand inserts costs more than building
each once from the finished table. So for every model of the generated apps whose table is empty
when generation starts, those ``Meta.indexes`` are dropped inside the generating transaction and
recreated from their own SQL at its end. The other indexes stay: the unique ones check the rows
as they come, and the foreign-key ones are what the database uses to settle its deferred
foreign-key checks when a row's parent arrives after it. A table that already holds rows keeps
every index: rebuilding would cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection

APPS = (
    "accounts",
    "needs",
    "discussion",
    "specifications",
    "processes",
    "evaluation",
    "contracts",
    "lessons",
)


def _deferrable() -> list[tuple[str, str]]:
    """(table, index name) of the list indexes of the generated apps' empty tables."""
    found = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            names = [index.name for index in model._meta.indexes if index.name]
            if names and not model._default_manager.exists():
                found += [(model._meta.db_table, name) for name in names]
    return found


def _sql(cursor, table: str, name: str) -> str | None:
    """The statement that makes the index, as the database keeps it."""
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND name = %s",
            [table, name],
        )
    else:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname = %s",
            [table, name],
        )
    row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def built_afterwards() -> Iterator[None]:
    """Inside this block, the empty tables of the generated apps have no list indexes; they
    are built at its end. Must run inside a transaction."""
    if connection.vendor not in ("sqlite", "postgresql"):
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        for table, name in _deferrable():
            sql = _sql(cursor, table, name)
            if sql:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                saved.append(sql)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An index is not built over rows whose deferred foreign-key checks are pending: run
            # them now (every row is written by this point), and defer again afterwards.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for sql in saved:
            cursor.execute(sql)
