"""Every dashboard figure as JSON, and the red flags with what each means."""

from typing import Any

from django.conf import settings
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from openbuy.accounts.models import Organisation
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_pagination import Pagination
from openbuy.insights import figures
from openbuy.opendata import redflags
from openbuy.opendata.models import RedFlag

router = Router(tags=["insights"])


class ScopeQuery(Schema):
    publisher: str = Field(
        "local", max_length=20, description="`local` (this site), `all`, or a publisher's id."
    )


class FlagQuery(Schema):
    code: str | None = Field(None, max_length=50, description="Only this indicator.")
    publisher: str | None = Field(
        None,
        max_length=20,
        description="Only the flags on this publisher's records (`local` or a publisher's id).",
    )
    buyer: str | None = Field(
        None, max_length=100, description="Only the flags on this buyer's records (its slug)."
    )


class RedFlagOut(Schema):
    code: str
    name: str
    definition: str
    threshold: str
    source: str
    ocid: str | None
    buyer_name: str
    supplier_name: str
    award_id: str
    contract_id: str
    measured: str

    @staticmethod
    def resolve_name(row: RedFlag) -> str:
        return redflags.INDICATORS[row.code].name

    @staticmethod
    def resolve_definition(row: RedFlag) -> str:
        return redflags.INDICATORS[row.code].definition

    @staticmethod
    def resolve_threshold(row: RedFlag) -> str:
        return redflags.INDICATORS[row.code].threshold(redflags.thresholds_from_settings())

    @staticmethod
    def resolve_source(row: RedFlag) -> str:
        return redflags.INDICATORS[row.code].source

    @staticmethod
    def resolve_ocid(row: RedFlag) -> str | None:
        return row.record.ocid if row.record else None


@router.get(
    "/insights/overview",
    response={200: dict[str, Any], 404: ErrorOut},
    auth=None,
    url_name="insights_overview",
    summary="Dashboard figures",
    description="Every figure on the overall dashboard. Money figures are in `currency`; "
    "shares give the part, the whole and the percentage.",
)
def overview(request, query: Query[ScopeQuery]):
    chosen = figures.scope(query.publisher)
    if chosen is None:
        raise Http404
    return figures.compute(
        chosen.name, chosen.records, None, settings.CURRENCY, ours=chosen.ours
    ).as_json()


@router.get(
    "/insights/buyers/{slug}",
    response={200: dict[str, Any], 404: ErrorOut},
    auth=None,
    url_name="insights_buyer",
    summary="One buyer's dashboard figures",
)
def buyer(request, slug: str):
    organisation = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.BUYER).first()
    if organisation is None:
        raise Http404
    records = figures.buyer_records(organisation)
    organisations = Organisation.objects.filter(pk=organisation.pk)
    return figures.compute(organisation.name, records, organisations, settings.CURRENCY).as_json()


@router.get(
    "/insights/red-flags",
    response={200: list[RedFlagOut], 422: ErrorOut},
    auth=None,
    summary="Red flags",
    description="Every red flag raised on the open data, ours and imported, with its "
    "definition and the threshold that raised it.",
)
@paginate(Pagination)
def red_flags(request, query: Query[FlagQuery]):
    chosen = figures.flag_scope(publisher=query.publisher or "", buyer=query.buyer or "")
    rows = chosen.flags.select_related("record").order_by("code", "-value", "id")
    rows = rows.filter(code__in=list(redflags.INDICATORS))
    if query.code:
        rows = rows.filter(code=query.code)
    return rows
