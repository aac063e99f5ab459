"""Our processes as OCDS 1.1 releases: the one place that knows both the models and the standard.

A tender or a challenge is one contracting process (one ``ocid``). A staged competition
publishes each phase that has started as its own ``ocid``, each later phase pointing to the one
before it through ``relatedProcesses`` ("prior").

What the public may not see yet is left out, never blanked: nothing about submissions before
the phase is opened (then only who tendered), and no prices until the award. Organisations are
named; people are not (no contact points, no authors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from openbuy.accounts.models import Organisation
from openbuy.contracts.models import Contract
from openbuy.evaluation.models import Award, GateDecision, Prize
from openbuy.needs.selectors import visible_needs
from openbuy.processes.models import (
    Criterion,
    Lot,
    Phase,
    Process,
    ProcessEvent,
    Submission,
)

BIDS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/"
    "extension.json"
)
SCALE = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}
METHOD_DETAILS: dict[str, str] = {
    Process.Kind.TENDER: "Open tender",
    Process.Kind.CHALLENGE: "Open challenge with prizes",
    Process.Kind.STAGED: "Staged competition",
}
TENDER_STATUS: dict[str, str] = {
    Process.State.LIVE: "active",
    Process.State.EVALUATING: "active",
    Process.State.AWARDED: "complete",
    Process.State.UNSUCCESSFUL: "unsuccessful",
    Process.State.CANCELLED: "cancelled",
}
AMENDMENT_KINDS = (
    ProcessEvent.Kind.AMENDED,
    ProcessEvent.Kind.CRITERIA_AMENDED,
    ProcessEvent.Kind.DEADLINE_EXTENDED,
    ProcessEvent.Kind.REPLANNED,
)


@dataclass(frozen=True)
class Draft:
    """One ocid's release content, before it gets its ``id``, ``date`` and ``tag``."""

    ocid: str
    phase_number: int | None
    content: dict[str, Any]


def ocid(process: Process, phase: Phase | None = None) -> str:
    base = f"{settings.OCDS_PREFIX}-{process.pk}"
    return f"{base}-phase-{phase.number}" if phase is not None else base


def url(name: str, *args: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min, tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(amount: Decimal | None, currency: str) -> dict[str, Any] | None:
    if amount is None:
        return None
    number: int | float = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"amount": number, "currency": currency}


def party_id(organisation: Organisation) -> str:
    return f"{settings.OCDS_PREFIX}-org-{organisation.slug}"


def reference(organisation: Organisation) -> dict[str, str]:
    return {"id": party_id(organisation), "name": organisation.name}


def prune(value: Any) -> Any:
    """Drop empty fields: OCDS forbids nulls where a field is simply unknown."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


class Parties:
    """The organisations a release mentions, each once, with every role it plays."""

    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}

    def add(self, organisation: Organisation, role: str) -> dict[str, str]:
        entry = self._by_id.get(party_id(organisation))
        if entry is None:
            entry = {
                "id": party_id(organisation),
                "name": organisation.name,
                "roles": [],
                "details": self._details(organisation),
            }
            if organisation.website:
                entry["contactPoint"] = {"url": organisation.website}
            self._by_id[entry["id"]] = entry
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return reference(organisation)

    @staticmethod
    def _details(organisation: Organisation) -> dict[str, Any]:
        if organisation.kind != Organisation.Kind.SUPPLIER:
            return {}
        return {
            "scale": SCALE.get(organisation.size, ""),
            "socialEnterprise": organisation.is_social_enterprise,
        }

    def as_list(self) -> list[dict[str, Any]]:
        return list(self._by_id.values())


def drafts(process: Process) -> list[Draft]:
    """The current release content of every ocid of a published process."""
    if process.published_at is None:
        return []
    if process.kind != Process.Kind.STAGED:
        return [Draft(ocid(process), None, _release(process, None))]
    started = [p for p in process.phases.order_by("number") if p.number <= process.phase.number]
    return [
        Draft(ocid(process, phase), phase.number, _release(process, phase)) for phase in started
    ]


def _release(process: Process, phase: Phase | None) -> dict[str, Any]:
    parties = Parties()
    buyer = parties.add(process.organisation, "buyer")
    parties.add(process.organisation, "procuringEntity")
    phases = [phase] if phase is not None else list(process.phases.order_by("number"))
    tender = _tender(process, phase, phases, parties, buyer)
    awards = list(_awards(process, phase, phases, parties))
    contracts = list(_contracts(process)) if _is_final(process, phase) else []
    release: dict[str, Any] = {
        "ocid": ocid(process, phase),
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "planning": _planning(process, phase),
        "tender": tender,
        "awards": awards,
        "contracts": contracts,
        "bids": _bids(process, phases, parties),
        "relatedProcesses": _related(process, phase),
    }
    release["parties"] = parties.as_list()
    return prune(release)


def _is_final(process: Process, phase: Phase | None) -> bool:
    return phase is None or phase.number == process.phases.count()


def _planning(process: Process, phase: Phase | None) -> dict[str, Any]:
    spec = process.specification
    # Only needs anyone may see: releases are kept and copied for ever.
    needs = list(visible_needs().filter(specifications=spec).order_by("id"))
    rationale = spec.summary or process.summary
    if needs:
        listed = "; ".join(f"“{n.title}” ({url('needs:detail', n.pk)})" for n in needs)
        rationale = f"{rationale}\n\nRaised as needs: {listed}".strip()
    return {
        "rationale": rationale,
        "budget": {
            "description": "The buyer's published estimate"
            + (f" for phase {phase.number}." if phase is not None else "."),
            "amount": money(
                phase.budget_amount
                if phase is not None
                else spec.value_amount or process.value_amount,
                process.currency,
            ),
        },
        "documents": [
            {
                "id": "specification",
                "documentType": "needsAssessment",
                "title": f"Specification: {spec.title}",
                "url": url("specifications:detail", spec.pk),
                "format": "text/html",
                "language": "en",
            }
        ],
    }


def _status(process: Process, phase: Phase | None) -> str:
    if phase is not None and phase.number < process.phase.number:
        return "complete"
    return TENDER_STATUS.get(process.state, "active")


def _criteria(process: Process) -> tuple[str, str]:
    criteria = list(process.criteria.order_by("number"))
    kinds = {c.kind for c in criteria}
    if kinds == {Criterion.Kind.PRICE}:
        award_criteria = "priceOnly"
    elif Criterion.Kind.PRICE not in kinds:
        award_criteria = "qualityOnly"
    else:
        award_criteria = "ratedCriteria"
    details = "; ".join(
        f"{c.name} ({c.get_kind_display().lower()}, {c.weight}%)"
        + (f": {c.description}" if c.description else "")
        for c in criteria
    )
    return award_criteria, details


def _tender(
    process: Process,
    phase: Phase | None,
    phases: list[Phase],
    parties: Parties,
    buyer: dict[str, str],
) -> dict[str, Any]:
    last = phases[-1]
    award_criteria, award_details = _criteria(process)
    area = process.area
    lots: list[Lot | None] = list(process.lots.order_by("number")) or [None]
    classification = (
        {"scheme": "CPV", "id": area.code.split()[-1].split("-")[0], "description": area.name}
        if area is not None
        else None
    )
    items = [
        {
            "id": str(lot.number) if lot else "1",
            "description": (f"Lot {lot.number}: {lot.title}" if lot else process.title),
            "classification": classification,
        }
        for lot in lots
    ]
    opened = [p for p in phases if p.is_opened]
    tenderers = []
    for submission in _submitted(opened):
        tenderers.append(parties.add(submission.organisation, "tenderer"))
    tenderers = list({t["id"]: t for t in tenderers}.values())
    decided = _award_dates(process, phase)
    started = _started(process, phase)
    title = (
        process.title if phase is None else f"{process.title}: phase {phase.number}, {phase.title}"
    )
    amount = phase.budget_amount if phase is not None else process.value_amount
    tender: dict[str, Any] = {
        "id": ocid(process, phase),
        "title": title,
        "description": (phase.description if phase is not None else "") or process.summary,
        "status": _status(process, phase),
        "procuringEntity": buyer,
        "items": items,
        "value": money(amount, process.currency),
        # A later phase is open only to the suppliers the stage gate took forward.
        "procurementMethod": "limited" if phase is not None and phase.number > 1 else "open",
        "procurementMethodDetails": METHOD_DETAILS[process.kind]
        + (
            f", phase {phase.number}: open to the suppliers taken forward at the stage gate"
            if phase is not None and phase.number > 1
            else ""
        ),
        "awardCriteria": award_criteria,
        "awardCriteriaDetails": award_details,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": f"Through openbuy: {url('processes:detail', process.pk)}",
        "tenderPeriod": {"startDate": when(started), "endDate": when(last.deadline)},
        "enquiryPeriod": {
            "startDate": when(started),
            "endDate": when(last.enquiry_end),
        },
        "hasEnquiries": process.questions.filter(answered_at__isnull=False).exists(),
        "eligibilityCriteria": process.how_to_enter,
        "awardPeriod": {
            "startDate": when(last.deadline),
            "endDate": when(max(decided, default=None)),
        }
        if last.deadline
        else None,
        "documents": [
            {
                "id": "notice",
                "documentType": "tenderNotice",
                "title": f"Notice: {process.title}",
                "url": url("processes:detail", process.pk),
                "datePublished": when(process.published_at),
                "format": "text/html",
                "language": "en",
            }
        ],
        "milestones": _milestones(phases),
        "amendments": _amendments(process),
    }
    if opened:
        tender["numberOfTenderers"] = len(tenderers)
        tender["tenderers"] = tenderers
    return tender


def _started(process: Process, phase: Phase | None) -> datetime | None:
    """When the phase opened for responses: publication for the first, the start of the next
    phase (the n-th "next phase" event starts phase n + 1) for the others."""
    if phase is None or phase.number == 1:
        return process.published_at
    starts = process.events.filter(kind=ProcessEvent.Kind.NEXT_PHASE).order_by("at", "id")
    found = list(starts.values_list("at", flat=True)[phase.number - 2 : phase.number - 1])
    return found[0] if found else process.published_at


def _submitted(phases: Iterable[Phase]) -> list[Submission]:
    return list(
        Submission.objects.filter(phase__in=list(phases), state=Submission.State.SUBMITTED)
        .select_related("organisation")
        .order_by("phase__number", "id")
    )


def _award_dates(process: Process, phase: Phase | None) -> list[datetime]:
    if phase is not None and not _is_final(process, phase):
        return list(GateDecision.objects.filter(phase=phase).values_list("decided_at", flat=True))
    dates = list(process.awards.values_list("decided_at", flat=True))
    dates += list(Prize.objects.filter(process=process).values_list("decided_at", flat=True))
    if phase is not None:
        dates += list(GateDecision.objects.filter(phase=phase).values_list("decided_at", flat=True))
    return dates


def _milestones(phases: list[Phase]) -> list[dict[str, Any]]:
    milestones = []
    for phase in phases:
        for key, title, kind, due in (
            ("evaluation", "Evaluation", "assessment", phase.evaluation_date),
            ("decision", "Decision", "approval", phase.decision_date),
        ):
            if due is None:
                continue
            milestones.append(
                {
                    "id": f"phase-{phase.number}-{key}",
                    "title": f"{title} of phase {phase.number}"
                    if len(phases) > 1 or phase.number > 1
                    else title,
                    "type": kind,
                    "dueDate": when(due),
                    "status": "scheduled",
                }
            )
    return milestones


def _amendments(process: Process) -> list[dict[str, Any]]:
    events = process.events.filter(kind__in=AMENDMENT_KINDS).order_by("at", "id")
    amendments = [
        {
            "id": f"event-{event.pk}",
            "date": when(event.at),
            "rationale": event.note or event.summary,
            "description": event.summary,
        }
        for event in events
    ]
    if process.state in (Process.State.CANCELLED, Process.State.UNSUCCESSFUL):
        ended = process.events.filter(
            kind__in=(ProcessEvent.Kind.CANCELLED, ProcessEvent.Kind.UNSUCCESSFUL)
        ).last()
        if ended is not None:
            amendments.append(
                {
                    "id": f"event-{ended.pk}",
                    "date": when(ended.at),
                    "rationale": process.decision_reason or ended.note or ended.summary,
                    "description": ended.summary,
                }
            )
    return amendments


def _awards(
    process: Process, phase: Phase | None, phases: list[Phase], parties: Parties
) -> Iterable[dict[str, Any]]:
    if phase is None or _is_final(process, phase):
        for award in Award.objects.filter(process=process).select_related(
            "submission__organisation", "lot", "contract"
        ):
            yield {
                "id": f"award-{award.pk}",
                "title": f"Lot {award.lot.number}: {award.lot.title}" if award.lot else None,
                "description": award.rationale
                + (
                    f"\n\nWhy not the highest score: {award.below_top_reason}"
                    if award.below_top_reason
                    else ""
                ),
                "status": _award_status(process, award),
                "date": when(award.decided_at),
                "value": money(award.value_amount, award.currency),
                "suppliers": [parties.add(award.submission.organisation, "supplier")],
                "contractPeriod": _contract_period(award),
            }
        for prize in Prize.objects.filter(process=process).select_related(
            "submission__organisation"
        ):
            yield {
                "id": f"prize-{prize.pk}",
                "title": f"Prize, place {prize.place}",
                "description": prize.reason,
                "status": "active",
                "date": when(prize.decided_at),
                "value": money(prize.amount, prize.currency),
                "suppliers": [parties.add(prize.submission.organisation, "supplier")],
            }
    if phase is not None:
        for gate in GateDecision.objects.filter(phase=phase).select_related(
            "submission__organisation"
        ):
            goes_on = gate.decision == GateDecision.Decision.CONTINUE
            role = "supplier" if goes_on else "tenderer"
            yield {
                "id": f"gate-{gate.pk}",
                "title": f"Continues to phase {phase.number + 1}"
                if goes_on
                else "Stopped at the stage gate",
                "description": gate.reason,
                "status": "active" if goes_on else "unsuccessful",
                "date": when(gate.decided_at),
                "suppliers": [parties.add(gate.submission.organisation, role)],
            }


def _signed(award: Award) -> Contract | None:
    try:
        return award.contract
    except Contract.DoesNotExist:
        return None


def _award_status(process: Process, award: Award) -> str:
    """An award is in force (``active``) once its contract is signed; until then, through the
    standstill period in which bidders may challenge it, it is ``pending`` (OCDS: "proposed, but
    not yet in force ... due to a cooling off period"), or ``cancelled`` with its process."""
    if _signed(award) is not None:
        return "active"
    return "cancelled" if process.state == Process.State.CANCELLED else "pending"


def _contract_period(award: Award) -> dict[str, Any] | None:
    contract = _signed(award)
    if contract is None:
        return None
    return {"startDate": when(contract.starts_on), "endDate": when(contract.ends_on)}


def _bids(process: Process, phases: list[Phase], parties: Parties) -> dict[str, Any] | None:
    """Prices are public once the process (or, lot by lot, the lot) is awarded."""
    awarded_lots = set(process.awards.values_list("lot_id", flat=True))
    if not awarded_lots or process.kind == Process.Kind.CHALLENGE:
        return None
    details = []
    for submission in _submitted(p for p in phases if p.is_opened):
        if submission.lot_id not in awarded_lots and None not in awarded_lots:
            continue
        price = (submission.opened or {}).get("price")
        details.append(
            {
                "id": submission.public_id,
                "date": when(submission.submitted_at),
                "status": "valid",
                "tenderers": [parties.add(submission.organisation, "tenderer")],
                "value": money(Decimal(price), process.currency) if price else None,
            }
        )
    return {"details": details} if details else None


def _contracts(process: Process) -> Iterable[dict[str, Any]]:
    contracts = Contract.objects.filter(process=process).prefetch_related(
        "amendments", "milestones"
    )
    for contract in contracts.order_by("id"):
        amendments = list(contract.amendments.order_by("made_at", "id"))
        value = contract.value_amount + sum((a.value_change for a in amendments), Decimal(0))
        description = ""
        if contract.status == Contract.Status.TERMINATED:
            description = f"Terminated early: {contract.termination_reason}"
        elif contract.status == Contract.Status.COMPLETED:
            description = "Completed."
        yield {
            "id": f"contract-{contract.pk}",
            "awardID": f"award-{contract.award_id}",
            "title": contract.title,
            "description": description,
            "status": "active" if contract.status == Contract.Status.ACTIVE else "terminated",
            "period": {
                "startDate": when(contract.starts_on),
                "endDate": when(contract.ended_at or contract.ends_on),
            },
            "value": money(value, contract.currency),
            "dateSigned": when(contract.signed_at),
            "amendments": [
                {
                    "id": f"amendment-{a.pk}",
                    "date": when(a.made_at),
                    "rationale": a.reason,
                    "description": f"Value changed by {a.value_change:+,.2f} {contract.currency}",
                }
                for a in amendments
            ],
            "implementation": {
                "milestones": [_milestone(m) for m in contract.milestones.order_by("number")]
            },
        }


def _milestone(milestone) -> dict[str, Any]:
    status = {"accepted": "met", "rejected": "notMet"}.get(milestone.status, "scheduled")
    return {
        "id": f"milestone-{milestone.pk}",
        "title": milestone.title,
        "description": milestone.acceptance_criteria,
        "type": "delivery",
        "dueDate": when(milestone.due_on),
        "status": status,
        "dateMet": when(milestone.decided_at) if status == "met" else None,
        "dateModified": when(milestone.decided_at),
    }


def _related(process: Process, phase: Phase | None) -> list[dict[str, Any]]:
    if phase is None or phase.number == 1:
        return []
    previous = process.phases.get(number=phase.number - 1)
    return [
        {
            "id": f"phase-{previous.number}",
            "relationship": ["prior"],
            "title": f"Phase {previous.number}: {previous.title}",
            "scheme": "ocid",
            "identifier": ocid(process, previous),
            "uri": settings.SITE_URL.rstrip("/")
            + reverse("api-1:ocds_record", args=[ocid(process, previous)]),
        }
    ]
