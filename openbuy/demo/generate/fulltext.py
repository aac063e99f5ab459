"""The full-text index of generated needs and ideas, written in one pass.

The needs app's migration keeps ``needs_search`` current with a trigger on each insert. Fired
once per row, that trigger makes SQLite write needs eight times slower than indexing the same
rows with one ``INSERT … SELECT``. So while generating, the insert triggers are off (on SQLite
dropped and then recreated from their own stored SQL; on PostgreSQL disabled and enabled again),
and the new rows are indexed afterwards with the migration's own expressions — all inside the
generating transaction, so the index is never seen out of step.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Max

from openbuy.needs.models import Idea, Need

# (table, kind, body expression over NEW.…, columns) as the migration defines them.
TEXT = importlib.import_module("openbuy.needs.migrations.0007_full_text_search").TEXT


@contextmanager
def indexed_afterwards() -> Iterator[None]:
    """Inside this block, inserted needs and ideas are indexed at its end instead of one by
    one. Must run inside a transaction."""
    first = {
        model._meta.db_table: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        for model in (Need, Idea)
    }
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            names = [f"{table}_search_insert" for table, *_ in TEXT]
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # noqa: S608 - placeholders only
                names,
            )
            saved = cursor.fetchall()
            for name, _ in saved:
                cursor.execute(f"DROP TRIGGER {name}")
        elif connection.vendor == "postgresql":
            for table, *_ in TEXT:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_search")
    yield
    with connection.cursor() as cursor:
        for table, kind, body, _ in TEXT:
            # Rows left from an earlier database with these ids (a TRUNCATE fires no trigger).
            cursor.execute(
                "DELETE FROM needs_search WHERE kind = %s AND object_id >= %s",
                [kind, first[table]],
            )
            cursor.execute(
                f"INSERT INTO needs_search (kind, object_id, title, body) "  # noqa: S608
                f"SELECT '{kind}', id, title, {body.replace('NEW.', '')} FROM {table} "
                "WHERE id >= %s",
                [first[table]],
            )
        if connection.vendor == "sqlite":
            for _, sql in saved:
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key check: run them now (every row
            # is written by this point), then defer again for the rest of the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, *_ in TEXT:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_search")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
