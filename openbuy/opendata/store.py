"""Storing releases and records, ours and imported, and compiling records from releases.

Every write here is idempotent: a release or record already stored with the same content is
left alone and reported as ``unchanged``, so publishing or importing twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openbuy import clock
from openbuy.opendata import extract, merge
from openbuy.opendata.models import Publisher, Record, Release

Outcome = Literal["stored", "updated", "unchanged"]


class Taken(ValueError):
    """The ocid is another side's: an import never replaces what this site publishes, and a
    publication never replaces an import."""


def _guard(existing_local: bool, publisher: Publisher, ocid: str) -> None:
    if existing_local != publisher.local:
        whose = "this site's" if existing_local else "imported from another publisher"
        raise Taken(f"the ocid {ocid} is {whose}, so it cannot be replaced")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()


def parse_date(value: Any) -> datetime | None:
    """An OCDS date-time, or None when it is missing or not a date. Naive dates are UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def local_publisher() -> Publisher:
    """This site as a publisher, as configured; written only when the settings change, so
    publications of different processes never wait on each other for it."""
    wanted = {
        "name": settings.OCDS_PUBLISHER_NAME,
        "scheme": settings.OCDS_PUBLISHER_SCHEME,
        "uid": settings.OCDS_PUBLISHER_UID,
        "uri": settings.SITE_URL,
        "license": settings.OCDS_LICENSE,
    }
    publisher = Publisher.objects.filter(local=True).first()
    if publisher is None:
        publisher, _ = Publisher.objects.get_or_create(local=True, defaults=wanted)
    if any(getattr(publisher, name) != value for name, value in wanted.items()):
        Publisher.objects.filter(pk=publisher.pk).update(**wanted)
        publisher.refresh_from_db()
    return publisher


def external_publisher(package: dict[str, Any]) -> Publisher:
    """The publisher a package names (``publisher``, ``uri`` and ``license``), made once."""
    given = package.get("publisher")
    given = given if isinstance(given, dict) else {}

    def text(value: Any, limit: int) -> str:
        return str(value).strip()[:limit] if value not in (None, "") else ""

    name = text(given.get("name"), 300) or "Unnamed publisher"
    uri = text(given.get("uri"), 500)
    if not uri.lower().startswith(("https://", "http://")):
        uri = ""  # shown as a link: nothing but a web address (never javascript:, data: …)
    publisher, _ = Publisher.objects.get_or_create(
        name=name,
        scheme=text(given.get("scheme"), 100),
        uid=text(given.get("uid"), 300),
        uri=uri,
        defaults={"license": text(package.get("license"), 500)},
    )
    return publisher


def store_release(publisher: Publisher, release: dict[str, Any]) -> tuple[Outcome, Release]:
    """Store one release (it must have ``ocid``, ``id`` and a ``date``); the caller recompiles."""
    date = parse_date(release.get("date"))
    if date is None:
        raise ValueError("the release has no valid date")
    ocid, release_id = str(release["ocid"]), str(release["id"])
    tags = release.get("tag") if isinstance(release.get("tag"), list) else []
    content = digest(release)
    existing = (
        Release.objects.select_related("publisher").filter(ocid=ocid, release_id=release_id).first()
    )
    if existing is not None:
        _guard(existing.publisher.local, publisher, ocid)
        if existing.digest == content:
            return "unchanged", existing
        existing.publisher, existing.date, existing.tags = publisher, date, tags
        existing.data, existing.digest, existing.stored_at = release, content, clock.now()
        existing.save()
        return "updated", existing
    stored = Release.objects.create(
        publisher=publisher,
        ocid=ocid,
        release_id=release_id,
        date=date,
        tags=tags,
        data=release,
        digest=content,
        stored_at=clock.now(),
    )
    return "stored", stored


def compile_record(ocid: str, publisher: Publisher, **links: Any) -> tuple[Outcome, Record]:
    """(Re)compile the record of ``ocid`` from every release stored for it."""
    releases = [r.data for r in Release.objects.filter(ocid=ocid).order_by("date", "id")]
    if not releases:
        raise LookupError(f"no releases for {ocid}")
    compiled, versioned = merge.compile_releases(releases)
    newest = max(parse_date(r["date"]) or clock.now() for r in releases)
    return save_record(publisher, ocid, compiled, versioned, [], newest, **links)


@transaction.atomic
def save_record(
    publisher: Publisher,
    ocid: str,
    compiled: dict[str, Any],
    versioned: dict[str, Any] | None,
    linked: list[Any],
    date: datetime,
    **links: Any,
) -> tuple[Outcome, Record]:
    content = digest([compiled, versioned, linked])
    record = Record.objects.select_for_update().filter(ocid=ocid).first()
    if record is not None:
        _guard(Publisher.objects.get(pk=record.publisher_id).local, publisher, ocid)
    if record is not None and record.digest == content:
        return "unchanged", record
    outcome: Outcome = "updated" if record is not None else "stored"
    if record is None:
        record = Record(ocid=ocid)
    record.publisher = publisher
    record.compiled, record.versioned, record.linked_releases = compiled, versioned, linked
    record.digest, record.date, record.updated_at = content, date, clock.now()
    for name, value in links.items():
        setattr(record, name, value)
    extract.fill(record)
    record.save()
    extract.replace_rows(record)
    return outcome, record
