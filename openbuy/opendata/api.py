"""The OCDS API: release and record packages of what this instance publishes, newest first,
a page at a time (follow ``links.next``), and one record or release by its identifier.

Public, no authentication. Each response is a complete OCDS 1.1 package with its publisher,
licence and publication policy.
"""

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from openbuy.accounts.schemas import ErrorOut
from openbuy.opendata import packages
from openbuy.opendata.models import Record

router = Router(tags=["open data"])
CONTENT_TYPE = "application/json"


class PackageQuery(Schema):
    since: datetime | None = Field(
        None, description="Only what was released on or after this date-time (ISO 8601)."
    )
    cursor: str | None = Field(
        None, max_length=200, description="Where to continue: taken from `links.next`."
    )
    limit: int = Field(
        settings.OCDS_PAGE_SIZE, ge=1, le=1000, description="How many per page (at most 1000)."
    )

    @field_validator("since", mode="before")
    @classmethod
    def _since_in_iso_8601(cls, value: Any) -> Any:
        # pydantic would read a bare number as seconds since 1970; only ISO 8601 is offered.
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return value
            raise ValueError("Give a date and time in ISO 8601, such as 2026-01-31T09:00:00Z")
        return value

    @field_validator("since")
    @classmethod
    def _since_in_utc(cls, value: datetime | None) -> datetime | None:
        # A date or time without a zone is read as UTC. Any other zone is turned into UTC, as
        # PostgreSQL refuses offsets beyond 15:59 that ISO 8601 allows (up to 23:59).
        if value is None:
            return None
        if timezone.is_naive(value):
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # the first or last day of the calendar, moved past its end
            raise ValueError("Give a date and time between the years 1 and 9999") from None


class PublisherOut(Schema):
    name: str
    uri: str | None = None
    scheme: str | None = None
    uid: str | None = None


class LinksOut(Schema):
    next: str | None = None


class PackageOut(Schema):
    """What every OCDS package carries about itself (``packages.metadata``)."""

    uri: str
    version: str
    extensions: list[str]
    publishedDate: str
    publisher: PublisherOut
    license: str
    publicationPolicy: str
    links: LinksOut | None = None


class ReleasePackageOut(PackageOut):
    releases: list[dict[str, Any]]


class RecordPackageOut(PackageOut):
    records: list[dict[str, Any]]


def _respond(request, key: str, items: list[dict[str, Any]], links=None) -> HttpResponse:
    """A whole package: this site's metadata, the ``releases`` or ``records``, and ``links``."""
    package = packages.metadata(packages.absolute(request.get_full_path()))
    package[key] = items
    if links:
        package["links"] = links
    # Compact (no spaces after separators): a page of 100 releases is 5 % smaller.
    text = json.dumps(package, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(text, content_type=CONTENT_TYPE)


def _next(request, name: str, cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return {"next": packages.absolute(reverse(f"api-1:{name}")) + "?" + query.urlencode()}


def _paged(request, rows, query: PackageQuery):
    if query.since is not None:
        rows = rows.filter(date__gte=query.since)
    try:
        return packages.page(rows, query.cursor, query.limit)
    except ValueError as error:
        raise ValidationError({"cursor": str(error)}) from error


@router.get(
    "/ocds/releases",
    response={200: ReleasePackageOut, 422: ErrorOut},
    auth=None,
    url_name="ocds_releases",
    summary="OCDS release package",
    description="Every release this instance published, newest first, a page at a time: "
    "follow `links.next` until it is absent. `since` keeps releases dated on or after it.",
)
def releases(request, query: Query[PackageQuery]):
    rows, cursor = _paged(request, packages.releases(), query)
    links = _next(request, "ocds_releases", cursor)
    return _respond(request, "releases", [row.data for row in rows], links)


@router.get(
    "/ocds/releases/{path:release_id}",
    response={200: ReleasePackageOut, 404: ErrorOut},
    auth=None,
    url_name="ocds_release",
    summary="One OCDS release",
    description="A release package holding the one release with this `id`.",
)
def release(request, release_id: str):
    row = packages.releases().filter(release_id=release_id).first()
    if row is None:
        raise Http404
    return _respond(request, "releases", [row.data])


@router.get(
    "/ocds/records",
    response={200: RecordPackageOut, 422: ErrorOut},
    auth=None,
    url_name="ocds_records",
    summary="OCDS record package",
    description="A record per contracting process (ocid), most recently changed first, each "
    "with its linked releases, compiled release and versioned release; paged like releases.",
)
def records(request, query: Query[PackageQuery]):
    rows, cursor = _paged(request, packages.records(), query)
    links = _next(request, "ocds_records", cursor)
    return _respond(request, "records", packages.record_entries(rows), links)


@router.get(
    "/ocds/records/{path:ocid}",
    response={200: RecordPackageOut, 404: ErrorOut},
    auth=None,
    url_name="ocds_record",
    summary="One OCDS record",
    description="A record package holding the record of one contracting process.",
)
def record(request, ocid: str):
    row: Record | None = packages.records().filter(ocid=ocid).first()
    if row is None:
        raise Http404
    return _respond(request, "records", [packages.record(row)])
