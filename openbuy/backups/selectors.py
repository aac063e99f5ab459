"""Reading the whole database at one moment, and the content hash of what it holds.

The content hash covers every table, each row in primary-key order, with values written out the
same way each time (times in UTC, bytes as hex, JSON with sorted keys). It is stable within one
engine: the same rows give the same hash on SQLite, and on PostgreSQL, though not the same hash
on both. A backup records it, and a restore checks the restored database against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

_ROWS_PER_FETCH = 2000


@dataclass(frozen=True)
class TableDigest:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class ContentDigest:
    """What a database holds, in brief: one hash over every table's rows."""

    sha256: str
    tables: list[TableDigest] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


@contextmanager
def snapshot(sqlite_file: str | None = None) -> Iterator[BaseDatabaseWrapper]:
    """A connection of its own that sees the database as it was at one moment, until it closes.

    Writers carry on meanwhile (SQLite's WAL and PostgreSQL's MVCC) and none of their changes is
    seen, so a hash and a copy taken through it agree with each other. On SQLite,
    ``sqlite_file`` points it at another file (a backup being checked) instead.
    """
    current = connections[DEFAULT_DB_ALIAS]
    settings_dict = dict(current.settings_dict)
    if sqlite_file is not None:
        settings_dict["NAME"] = sqlite_file
    wrapper = current.__class__(settings_dict, alias="openbuy-snapshot")
    try:
        if wrapper.vendor == "postgresql":
            wrapper.set_autocommit(False)
            with wrapper.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            with wrapper.cursor() as cursor:
                # Django leaves the sqlite3 module in autocommit mode; a deferred transaction
                # takes no lock, and its snapshot starts at the first read.
                cursor.execute("BEGIN DEFERRED")
                cursor.execute("SELECT count(*) FROM sqlite_master")
        yield wrapper
    finally:
        # It only read: ending it by rolling back changes nothing.
        if wrapper.connection is not None and wrapper.vendor == "sqlite":
            if wrapper.connection.in_transaction:
                wrapper.connection.rollback()
        elif wrapper.connection is not None:
            wrapper.rollback()
        wrapper.close()


def content_digest(db: BaseDatabaseWrapper | None = None) -> ContentDigest:
    """The content hash of the database (through ``db``, a :func:`snapshot`; by default a new
    snapshot of the current database)."""
    if db is None:
        with snapshot() as db:
            return content_digest(db)
    tables = [_table_digest(db, name) for name in _table_names(db)]
    total = hashlib.sha256()
    for table in tables:
        total.update(f"{table.name}\t{table.rows}\t{table.sha256}\n".encode())
    return ContentDigest(total.hexdigest(), tables)


def applied_migrations(db: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """The migrations recorded in the database, as (app, name) pairs."""
    if "django_migrations" not in _table_names(db):
        return []
    with db.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [(app, name) for app, name in cursor.fetchall()]


# The catalogue is read directly: Django's introspection would open transactions of its own on
# this connection, which is already inside its snapshot.


def _table_names(db: BaseDatabaseWrapper) -> list[str]:
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            # A full-text index is a virtual table whose rows live in its shadow tables, which
            # are listed as tables of their own; those are read instead.
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid) "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            )
        return sorted(name for (name,) in cursor.fetchall())


def _columns(db: BaseDatabaseWrapper, table: str) -> tuple[list[str], list[str]]:
    """The table's column names, sorted, and its primary key's columns, in key order."""
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            cursor.execute(f"PRAGMA table_info({db.ops.quote_name(table)})")
            info = cursor.fetchall()
            names = [row[1] for row in info]
            key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
        else:
            cursor.execute(
                "SELECT attname FROM pg_catalog.pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [db.ops.quote_name(table)],
            )
            names = [name for (name,) in cursor.fetchall()]
            cursor.execute(
                "SELECT a.attname FROM pg_catalog.pg_index i "
                "JOIN pg_catalog.pg_attribute a "
                "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = %s::regclass AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)",
                [db.ops.quote_name(table)],
            )
            key = [name for (name,) in cursor.fetchall()]
    return sorted(names), key


def _table_digest(db: BaseDatabaseWrapper, table: str) -> TableDigest:
    quote = db.ops.quote_name
    columns, key = _columns(db, table)
    digest = hashlib.sha256(json.dumps([table, columns]).encode())
    select = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}"  # noqa: S608
    rows = 0
    if key:
        lines = _lines(db, f"{select} ORDER BY {', '.join(quote(c) for c in key)}")
    else:
        # No primary key to order by: the same rows in any order give the same hash.
        lines = iter(sorted(_lines(db, select)))
    for line in lines:
        digest.update(line)
        rows += 1
    return TableDigest(table, rows, digest.hexdigest())


def _lines(db: BaseDatabaseWrapper, sql: str) -> Iterator[bytes]:
    # On PostgreSQL a server-side cursor: a table of millions of rows is read in pieces.
    cursor = db.chunked_cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(_ROWS_PER_FETCH):
            for row in batch:
                values = [_plain(value) for value in row]
                yield json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    finally:
        cursor.close()


def _plain(value: Any) -> Any:
    """A value as JSON can hold it, always written the same way; values JSON has no type for
    become ``[type, text]`` so that no two kinds of value can look alike."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return ["datetime", moment.isoformat()]
    if isinstance(value, date | time):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, timedelta):
        return ["interval", repr(value.total_seconds())]
    if isinstance(value, bytes | bytearray | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, UUID):
        return ["uuid", str(value)]
    if isinstance(value, dict | list):
        return ["json", json.dumps(value, sort_keys=True, ensure_ascii=False)]
    return [type(value).__name__, str(value)]
