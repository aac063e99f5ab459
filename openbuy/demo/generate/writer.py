"""Batched rows with explicit primary keys, and the inserts that write them — several times
faster than ``bulk_create``.

A :class:`Writer` hands out the next ids of each table (so rows can point at each other before
any of them is written) and buffers rows as plain tuples, in the order of the fields named for
the table. Full buffers are converted once per column the way Django would store the values
(aware datetimes as naive UTC text on SQLite, JSON as text) and handed to its ``send`` function,
which :func:`insert` s them: one statement run many times on SQLite (whose single-row statement
never nears its variable limit), one ``COPY`` on PostgreSQL.

Nothing here sends signals or calls ``save()``: the rows are written as they are given, so the
caller keeps every counter and invariant itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import AutoField, BigAutoField, Max, Model

BATCH = 5_000

Convert = Callable[[Any], Any]
Send = Callable[[str, list[str], list[tuple]], None]  # model label, columns, rows


def _sqlite_datetime(value: datetime | None) -> str | None:
    """As Django stores it: naive UTC, ISO format with a space. A naive value is taken to be in
    UTC already (so is it on PostgreSQL, whose session Django keeps in UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat(" ")
    text = value.isoformat(" ")
    if text.endswith("+00:00"):  # the generator's own datetimes are all in UTC: the fast path
        return text[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


_encoder = DjangoJSONEncoder()


def _json(value: Any) -> str | None:
    return None if value is None else _encoder.encode(value)


def _converter(field, vendor: str) -> Convert | None:
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _json
    if kind == "DateTimeField" and vendor == "sqlite":
        return _sqlite_datetime
    if kind == "DateField" and vendor == "sqlite":
        return _sqlite_date
    return None


class Table:
    """The rows waiting to be written to one model's table."""

    def __init__(self, writer: Writer, model: type[Model], fields: Sequence[str]) -> None:
        self.writer = writer
        self.model = model
        self.label = model._meta.label
        self.fields = tuple(fields)
        resolved = [model._meta.get_field(name) for name in fields]
        self.columns: list[str] = [f.column for f in resolved]  # type: ignore[union-attr,misc]
        self.converters = [
            (i, convert)
            for i, f in enumerate(resolved)
            if (convert := _converter(f, writer.vendor)) is not None
        ]
        self.rows: list[tuple] = []
        self.next_id = writer.first_ids.get(self.label, 1)

    def new_id(self) -> int:
        made = self.next_id
        self.next_id += 1
        return made

    def reserve(self, count: int) -> int:
        """The first of ``count`` consecutive new ids."""
        first = self.next_id
        self.next_id += count
        return first

    def add(self, *values: Any) -> None:
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.writer.flush()

    def extend(self, rows: list[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= BATCH:
            self.writer.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        if self.converters:
            converted = []
            for row in rows:
                values = list(row)
                for i, convert in self.converters:
                    values[i] = convert(values[i])
                converted.append(tuple(values))
            rows = converted
        self.writer.send(self.label, self.columns, rows)


class Writer:
    """The tables of one run. ``first_ids`` (from :func:`first_ids`) says where each table's new
    ids start; ``send`` gets the full buffers."""

    def __init__(self, first_ids: dict[str, int], send: Send, vendor: str = "") -> None:
        self.first_ids = first_ids
        self.send = send
        self.vendor = vendor or connection.vendor
        self.tables: dict[type[Model], Table] = {}
        self.order: list[Table] = []

    def table(self, model: type[Model], *fields: str) -> Table:
        """The model's table, written with these fields (always the same ones: the ids it hands
        out are counted per table)."""
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = Table(self, model, fields)
            self.order = sorted(self.tables.values(), key=lambda t: _depth(t.model))
        elif fields and table.fields != fields:
            raise ValueError(f"{model._meta.label} is written with {table.fields}, not {fields}")
        return table

    def flush(self) -> None:
        """Send every table's rows, parents before children: a row whose parent is not written
        yet leaves the database a deferred foreign-key check to settle, which costs it a search
        of the child table each time a parent row arrives."""
        for table in self.order:
            table.flush()


@functools.cache
def _depth(model: type[Model]) -> int:
    """How many tables lie above this one along its required foreign keys (the optional ones
    are where the cycles are, like a specification's current version)."""
    parents = [
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and not field.null and field.related_model is not model
    ]
    return 1 + max((_depth(parent) for parent in parents), default=0)


def first_ids() -> dict[str, int]:
    """The first free id of every table with an integer id, read once before generating."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if isinstance(model._meta.pk, AutoField | BigAutoField):
            top = model._default_manager.aggregate(top=Max("pk"))["top"]
            found[model._meta.label] = (top or 0) + 1
    return found


def insert(label: str, columns: list[str], rows: list[tuple]) -> None:
    """Write rows (already converted by their :class:`Table`) into the model's table."""
    ops = connection.ops
    table = ops.quote_name(apps.get_model(label)._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - quoted names
            cursor.executemany(sql, rows)


def reset_sequences(labels: Iterable[str]) -> None:
    """PostgreSQL: move the id sequences past the ids written (SQLite keeps up by itself)."""
    models = [apps.get_model(label) for label in labels]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
