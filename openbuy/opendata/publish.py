"""Publishing our processes: a new release for each ocid whose content changed, then its record.

Each publication takes the process's row lock, so two publications of one process take turns and
release ids (``<ocid>-<n>``) count up without gaps. Publishing again with nothing changed
stores nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from openbuy import clock
from openbuy.opendata import mapping, store
from openbuy.opendata.models import Record, Release
from openbuy.processes.models import Process

ENVELOPE = ("id", "date", "tag")


def content_of(release: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in release.items() if k not in ENVELOPE}


def process(process_id: int) -> list[Release]:
    """Publish what changed in one process; the new releases, in ocid order."""
    published: list[Release] = []
    with transaction.atomic():
        locked = Process.objects.select_for_update().filter(pk=process_id).first()
        if locked is None:
            return published
        publisher = store.local_publisher()
        for draft in mapping.drafts(Process.objects.get(pk=process_id)):
            last = Release.objects.filter(ocid=draft.ocid).order_by("-date", "-id").first()
            if last is not None and store.digest(content_of(last.data)) == store.digest(
                draft.content
            ):
                continue
            previous = Record.objects.filter(ocid=draft.ocid).values_list("compiled", flat=True)
            count = Release.objects.filter(ocid=draft.ocid).count()
            release = {
                "ocid": draft.ocid,
                "id": f"{draft.ocid}-{count + 1}",
                "date": mapping.when(clock.now()),
                "tag": tags(previous.first(), draft.content),
                **{k: v for k, v in draft.content.items() if k != "ocid"},
            }
            _, stored = store.store_release(publisher, release)
            store.compile_record(
                draft.ocid, publisher, process_id=process_id, phase_number=draft.phase_number
            )
            published.append(stored)
    return published


def everything() -> int:
    """Publish every published process (after an import of old data, or a demo); how many
    releases were new."""
    ids = Process.objects.filter(published_at__isnull=False).values_list("pk", flat=True)
    return sum(len(process(pk)) for pk in ids.order_by("pk"))


def _by_id(items: Any) -> dict[str, Any]:
    return {str(i.get("id")): i for i in items or [] if isinstance(i, dict)}


def tags(previous: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """The releaseTag codes that say what changed since the record's compiled release."""
    awards, contracts = _by_id(new.get("awards")), _by_id(new.get("contracts"))
    if previous is None:
        found = ["planning", "tender"]
        found += ["award"] if awards else []
        found += ["contract"] if contracts else []
        if any(c.get("implementation") for c in contracts.values()):
            found.append("implementation")
        return found
    found = []
    if previous.get("planning") != new.get("planning"):
        found.append("planningUpdate")
    old_tender, tender = previous.get("tender") or {}, new.get("tender") or {}
    if tender.get("status") == "cancelled" and old_tender.get("status") != "cancelled":
        found.append("tenderCancellation")
    elif len(tender.get("amendments", [])) > len(old_tender.get("amendments", [])):
        found.append("tenderAmendment")
    elif old_tender != tender:
        found.append("tenderUpdate")
    old_awards = _by_id(previous.get("awards"))
    if set(awards) - set(old_awards):
        found.append("award")
    if any(old_awards[k] != awards[k] for k in set(awards) & set(old_awards)):
        found.append("awardUpdate")
    old_contracts = _by_id(previous.get("contracts"))
    if new_contracts := set(contracts) - set(old_contracts):
        found.append("contract")
        if any(contracts[key].get("implementation") for key in new_contracts):
            found.append("implementation")
    for key in set(contracts) & set(old_contracts):
        found += _contract_tags(old_contracts[key], contracts[key])
    found = list(dict.fromkeys(found))
    return found or ["tenderUpdate"]


def _contract_tags(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found = []
    if len(new.get("amendments", [])) > len(old.get("amendments", [])):
        found.append("contractAmendment")
    if new.get("status") == "terminated" and old.get("status") != "terminated":
        found.append("contractTermination")
    if new.get("implementation") != old.get("implementation"):
        found.append("implementationUpdate" if old.get("implementation") else "implementation")
    rest = {k for k in set(old) | set(new) if k not in ("amendments", "implementation", "status")}
    if any(old.get(k) != new.get(k) for k in rest):
        found.append("contractUpdate")
    return found
