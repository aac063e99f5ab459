"""The open data pages: what we publish and how to get it, the bulk downloads, and every record
known here (ours and those imported from other publishers) to read in the browser."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from openbuy.opendata import export, flags, packages
from openbuy.opendata.models import Publisher, Record, Release

PAGE_SIZE = 25


@require_safe
def index(request):
    publishers = (
        Publisher.objects.annotate(records_count=Count("records"))
        .filter(records_count__gt=0)
        .order_by("-local", "name")
    )
    return render(
        request,
        "opendata/index.html",
        {
            "releases_count": packages.releases().count(),
            "records_count": packages.records().count(),
            "publishers": publishers,
            "flat": {f.kind: f for f in export.available()},
            "api": {
                "releases": packages.absolute(reverse("api-1:ocds_releases")),
                "records": packages.absolute(reverse("api-1:ocds_records")),
            },
            "prefix": settings.OCDS_PREFIX,
            "license": settings.OCDS_LICENSE,
            "policy_elsewhere": settings.OCDS_PUBLICATION_POLICY,
        },
    )


def _download(stream, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
def download_releases(request):
    uri = packages.absolute(reverse("opendata:download-releases"))
    return _download(packages.stream_releases(uri), "releases.json")


@require_safe
def download_records(request):
    uri = packages.absolute(reverse("opendata:download-records"))
    return _download(packages.stream_records(uri), "records.json")


@require_safe
def download_flat(request, kind: str):
    found = {f.kind: f for f in export.available()}.get(kind)
    if found is None:
        raise Http404("That download has not been made yet.")
    return FileResponse(found.path.open("rb"), as_attachment=True, filename=found.path.name)


@require_safe
def record_list(request):
    records = Record.objects.select_related("publisher").order_by("-date", "-id")
    publishers = (
        Publisher.objects.filter(records__isnull=False).distinct().order_by("-local", "name")
    )
    chosen = request.GET.get("publisher", "")
    if chosen.isdigit() and len(chosen) < 18:
        records = records.filter(publisher_id=int(chosen))
    q = request.GET.get("q", "").strip()[:200]
    if q:
        records = records.filter(
            Q(title__icontains=q) | Q(buyer_name__icontains=q) | Q(ocid__icontains=q)
        )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "opendata/records.html",
        {
            "page": page,
            "publishers": publishers,
            "chosen": chosen,
            "q": q,
            "query": query.urlencode(),
        },
    )


@require_safe
def record_detail(request, ocid: str):
    record = Record.objects.select_related("publisher", "process").filter(ocid=ocid).first()
    if record is None:
        raise Http404("There is no record with that ocid here.")
    releases = (
        Release.objects.filter(ocid=ocid)
        .order_by("-date", "-id")
        .only("release_id", "date", "tags")
    )
    return render(
        request,
        "opendata/record.html",
        {
            "record": record,
            "parties": record.parties.all(),
            "awards": record.awards.all(),
            "contracts": record.contracts.all(),
            "releases": releases,
            "linked": record.linked_releases if not record.publisher.local else [],
            "flags": flags.for_record(record),
        },
    )
