"""OCDS release and record packages of what this instance publishes: one page at a time for the
API, or everything as a stream for the bulk downloads (never built whole in memory).

Only our own releases are packaged: data imported from other publishers stays theirs, shown on
the open data pages with its publisher, never republished under our name.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from openbuy import clock
from openbuy.opendata import mapping
from openbuy.opendata.models import Record, Release

STREAM_CHUNK = 100  # rows per fetch when streaming: a versioned record can weigh 100 kB


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def policy_url() -> str:
    return settings.OCDS_PUBLICATION_POLICY or absolute(reverse("opendata:index")) + "#policy"


def metadata(uri: str) -> dict[str, Any]:
    publisher: dict[str, Any] = {"name": settings.OCDS_PUBLISHER_NAME, "uri": settings.SITE_URL}
    if settings.OCDS_PUBLISHER_SCHEME and settings.OCDS_PUBLISHER_UID:
        publisher["scheme"] = settings.OCDS_PUBLISHER_SCHEME
        publisher["uid"] = settings.OCDS_PUBLISHER_UID
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": [mapping.BIDS_EXTENSION],
        "publishedDate": mapping.when(clock.now()),
        "publisher": publisher,
        "license": settings.OCDS_LICENSE,
        "publicationPolicy": policy_url(),
    }


def releases() -> QuerySet[Release]:
    return Release.objects.filter(publisher__local=True).order_by("-date", "-id")


def records() -> QuerySet[Record]:
    return Record.objects.filter(publisher__local=True).order_by("-date", "-id")


def linked(ocids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The linked releases (``url``, ``date``, ``tag``) of each ocid, in one query."""
    found: dict[str, list[dict[str, Any]]] = {ocid: [] for ocid in ocids}
    rows = Release.objects.filter(ocid__in=ocids).order_by("date", "id")
    for ocid, release_id, date, tag in rows.values_list(
        "ocid", "release_id", "data__date", "data__tag"
    ):
        found[ocid].append(
            {
                "url": absolute(reverse("api-1:ocds_release", args=[release_id])),
                "date": date,
                "tag": tag or [],
            }
        )
    return found


def record_entries(rows: list[Record], *, versioned: bool = True) -> list[dict[str, Any]]:
    links = linked([row.ocid for row in rows])
    entries = []
    for row in rows:
        entry: dict[str, Any] = {"ocid": row.ocid, "releases": links[row.ocid]}
        entry["compiledRelease"] = row.compiled
        if versioned and row.versioned is not None:
            entry["versionedRelease"] = row.versioned
        entries.append(entry)
    return entries


def record(row: Record, *, versioned: bool = True) -> dict[str, Any]:
    return record_entries([row], versioned=versioned)[0]


# -- pages -----------------------------------------------------------------------------------


def encode_cursor(row: Release | Record) -> str:
    raw = f"{row.date.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a ``cursor`` points after; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.split("|")
        return datetime.fromisoformat(when), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("This is not a cursor from a links.next address.") from error


def page(rows: QuerySet, cursor: str | None, size: int) -> tuple[list, str | None]:
    """Newest first, after ``cursor``; and the cursor of the next page when there is one."""
    if cursor:
        when, pk = decode_cursor(cursor)
        rows = rows.filter(Q(date__lt=when) | Q(date=when, pk__lt=pk))
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    return found, (encode_cursor(found[-1]) if more and found else None)


# -- streams ---------------------------------------------------------------------------------


def _stream(meta: dict[str, Any], key: str, items: Iterator[str]) -> Iterator[bytes]:
    """A package whose ``key`` array holds ``items``, each already JSON text."""
    head = json.dumps(meta, ensure_ascii=False)
    yield (head[:-1] + f', "{key}": [').encode()
    first = True
    for item in items:
        yield (item if first else ",\n" + item).encode()
        first = False
    yield b"]}\n"


def _as_text(field: str) -> Cast:
    """The stored JSON as the database holds it, text: spliced into the stream as it is,
    never decoded into Python objects and encoded again (five times faster, a fraction of the
    memory, for the same JSON)."""
    return Cast(field, output_field=TextField())


def stream_releases(uri: str) -> Iterator[bytes]:
    rows = releases().annotate(text=_as_text("data")).values_list("text", flat=True)
    return _stream(metadata(uri), "releases", rows.iterator(chunk_size=STREAM_CHUNK))


def stream_records(uri: str) -> Iterator[bytes]:
    rows = (
        records()
        .annotate(compiled_text=_as_text("compiled"), versioned_text=_as_text("versioned"))
        .values_list("ocid", "compiled_text", "versioned_text")
    )

    def entries(batch: list[tuple[str, str, str | None]]) -> Iterator[str]:
        links = linked([ocid for ocid, _, _ in batch])
        for ocid, compiled, versioned in batch:
            # The same entry as record_entries() makes, key for key.
            entry = f'{{"ocid": {json.dumps(ocid)}, "releases": '
            entry += json.dumps(links[ocid], ensure_ascii=False)
            entry += f', "compiledRelease": {compiled}'
            if versioned is not None and versioned != "null":
                entry += f', "versionedRelease": {versioned}'
            yield entry + "}"

    def items() -> Iterator[str]:
        batch: list[tuple[str, str, str | None]] = []
        for row in rows.iterator(chunk_size=STREAM_CHUNK):
            batch.append(row)
            if len(batch) == STREAM_CHUNK:
                yield from entries(batch)
                batch = []
        yield from entries(batch)

    return _stream(metadata(uri), "records", items())
