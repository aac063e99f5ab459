"""The few fields of a compiled release that dashboards and red flags query, as columns and rows.

Imported data is as published, so nothing here trusts a type: an amount may be a string, a date
may be missing, a list may be an object. What cannot be read is left empty.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from openbuy.opendata.models import Award, Contract, Party, Record

MAX_AMOUNT = Decimal("1e17")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()[:limit]


def amount(value: Any) -> tuple[Decimal | None, str]:
    """The amount and currency of an OCDS Value, when it has a usable amount."""
    value = _dict(value)
    raw = value.get("amount")
    if raw is None or isinstance(raw, (bool, dict, list)):
        return None, ""
    try:
        number = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None, ""
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        return None, ""
    return number, _text(value.get("currency"), 3).upper()


def fill(record: Record) -> None:
    from openbuy.opendata.store import parse_date

    compiled = record.compiled if isinstance(record.compiled, dict) else {}
    tender, buyer = _dict(compiled.get("tender")), _dict(compiled.get("buyer"))
    period = _dict(tender.get("tenderPeriod"))
    record.title = _text(tender.get("title"), 500)
    record.buyer_id = _text(buyer.get("id"), 300)
    record.buyer_name = _text(buyer.get("name"), 300)
    if not record.buyer_name:
        for party in _list(compiled.get("parties")):
            if "buyer" in _list(_dict(party).get("roles")):
                record.buyer_id = record.buyer_id or _text(party.get("id"), 300)
                record.buyer_name = _text(party.get("name"), 300)
                break
    record.tender_status = _text(tender.get("status"), 30)
    record.method = _text(tender.get("procurementMethod"), 30)
    record.value_amount, record.currency = amount(tender.get("value"))
    record.tender_start = parse_date(period.get("startDate"))
    record.tender_end = parse_date(period.get("endDate"))
    tenderers = tender.get("numberOfTenderers")
    if isinstance(tenderers, int) and not isinstance(tenderers, bool) and 0 <= tenderers < 2**31:
        record.tenderers = tenderers
    else:
        ids = {
            _text(_dict(t).get("id") or _dict(t).get("name"), 300)
            for t in _list(tender.get("tenderers"))
        }
        record.tenderers = len(ids - {""}) or None


def replace_rows(record: Record) -> None:
    from openbuy.opendata.store import parse_date

    compiled = record.compiled if isinstance(record.compiled, dict) else {}
    Party.objects.filter(record=record).delete()
    Award.objects.filter(record=record).delete()
    Contract.objects.filter(record=record).delete()
    parties = []
    for raw in _list(compiled.get("parties")):
        party = _dict(raw)
        details = _dict(party.get("details"))
        social = details.get("socialEnterprise")
        parties.append(
            Party(
                record=record,
                party_id=_text(party.get("id"), 300),
                name=_text(party.get("name"), 500),
                roles=[_text(role, 50) for role in _list(party.get("roles"))],
                scale=_text(details.get("scale"), 20).lower(),
                social_enterprise=social if isinstance(social, bool) else None,
            )
        )
    Party.objects.bulk_create(parties)
    awards = []
    for raw in _list(compiled.get("awards")):
        award = _dict(raw)
        value, currency = amount(award.get("value"))
        suppliers = [
            {"id": _text(_dict(s).get("id"), 300), "name": _text(_dict(s).get("name"), 500)}
            for s in _list(award.get("suppliers"))
        ]
        awards.append(
            Award(
                record=record,
                award_id=_text(award.get("id"), 300),
                status=_text(award.get("status"), 30),
                date=parse_date(award.get("date")),
                value_amount=value,
                currency=currency,
                suppliers=suppliers,
            )
        )
    Award.objects.bulk_create(awards)
    contracts = []
    for raw in _list(compiled.get("contracts")):
        contract = _dict(raw)
        value, currency = amount(contract.get("value"))
        contracts.append(
            Contract(
                record=record,
                contract_id=_text(contract.get("id"), 300),
                award_id=_text(contract.get("awardID"), 300),
                status=_text(contract.get("status"), 30),
                date_signed=parse_date(contract.get("dateSigned")),
                value_amount=value,
                currency=currency,
            )
        )
    Contract.objects.bulk_create(contracts)
