"""Red flags over everything known here, ours and imported: computed by
:mod:`openbuy.opendata.redflags` and stored, so pages read them without recomputing.

Several indicators compare a process with the rest of its buyer's or with all processes, so the
whole set is recomputed at once (``refresh``), after a publication or an import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from openbuy import clock
from openbuy.opendata import redflags, store
from openbuy.opendata.models import Publisher, Record, RedFlag


@dataclass(frozen=True)
class Shown:
    """A stored flag with what it means, for a page or the API."""

    flag: RedFlag
    indicator: redflags.Indicator
    threshold: str


def _compiled() -> Iterator[dict[str, Any]]:
    for compiled in Record.objects.values_list("compiled", flat=True).iterator(chunk_size=500):
        if isinstance(compiled, dict):
            yield compiled


def refresh() -> int:
    """Recompute every flag; how many were raised. Refreshes take turns (on this site's
    publisher row), so two at once never leave both sets of flags behind."""
    with transaction.atomic():
        Publisher.objects.select_for_update().filter(pk=store.local_publisher().pk).exists()
        return _replace()


def _replace() -> int:
    found = redflags.compute(_compiled(), redflags.thresholds_from_settings())
    records = dict(Record.objects.values_list("ocid", "pk"))
    now = clock.now()
    rows = [
        RedFlag(
            record_id=records.get(flag.ocid) if flag.ocid else None,
            code=flag.code,
            buyer_id=(flag.buyer_id or "")[:300],
            buyer_name=(flag.buyer_name or "")[:300],
            supplier_name=(flag.supplier_name or "")[:500],
            award_id=(flag.award_id or "")[:300],
            contract_id=(flag.contract_id or "")[:300],
            measured=flag.measured[:300],
            value=flag.value,
            computed_at=now,
        )
        for flag in found
    ]
    RedFlag.objects.all().delete()
    RedFlag.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def shown(flags) -> list[Shown]:
    thresholds = redflags.thresholds_from_settings()
    result = []
    for flag in flags:
        indicator = redflags.INDICATORS.get(flag.code)
        if indicator is not None:
            result.append(Shown(flag, indicator, indicator.threshold(thresholds)))
    return result


def for_record(record: Record) -> list[Shown]:
    return shown(record.red_flags.all())
