"""The contracts API: anyone reads a contract — its supplier, value, amendments, milestones and
outcomes — as contracting is paid for by the public; the buyer's officers sign it after the
award's standstill, accept or reject milestones, record outcomes, amend, terminate and
complete it. Same services and selectors as the pages, so the same rules.

An award not yet published (a lot awarded before the others) is no different, to anyone but
the buyer's officers, from an award that does not exist.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from openbuy.accounts.rules import can
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.contracts import selectors, services
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.contracts.schemas import (
    AmendmentIn,
    AmendmentOut,
    ContractOut,
    ContractQuery,
    ContractSignIn,
    ContractSummaryOut,
    MilestoneIn,
    MilestoneNoteIn,
    MilestoneOut,
    OutcomeActualIn,
    OutcomeIn,
    OutcomeOut,
    TerminationIn,
)
from openbuy.evaluation import selectors as evaluation_selectors
from openbuy.evaluation.models import Award

router = Router(tags=["contracts"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _contract(pk: int) -> Contract:
    contract = selectors.contract_for(pk)
    if contract is None:
        raise Http404
    return contract


def _runs(request, pk: int) -> Contract:
    contract = _contract(pk)
    process = contract.process
    if not can(request.auth, "processes.run", process):
        raise PermissionDenied(
            f"Only buyer officers of {process.organisation} manage its contracts."
        )
    return contract


def _milestone(contract: Contract, pk: int) -> Milestone:
    milestone = Milestone.objects.filter(pk=pk, contract=contract).first()
    if milestone is None:
        raise Http404
    milestone.contract = contract
    return milestone


# --- public reads -------------------------------------------------------------------------------


@router.get(
    "/contracts",
    response={200: list[ContractSummaryOut], 422: ErrorOut},
    auth=optional_auth,
    summary="Contracts: what was bought, from whom, for how much, and its status",
    description="Newest signed first. The current value includes every amendment.",
)
@paginate(Pagination)
def contract_list(request, filters: Query[ContractQuery]):
    change = (
        Amendment.objects.filter(contract=OuterRef("pk"))
        .values("contract")
        .annotate(total=Sum("value_change"))
        .values("total")
    )
    found = Contract.objects.select_related("process", "supplier").annotate(
        amendment_change=Coalesce(
            Subquery(change, output_field=DecimalField(max_digits=18, decimal_places=2)),
            Value(0, output_field=DecimalField(max_digits=18, decimal_places=2)),
        )
    )
    if filters.process is not None:
        found = found.filter(process_id=filters.process)
    if filters.supplier:
        found = found.filter(supplier__slug=filters.supplier)
    if filters.status:
        found = found.filter(status=filters.status)
    return found


@router.get(
    "/contracts/{pk}",
    response={200: ContractOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A contract with its milestones, outcome measures and amendments",
    description="The value change is the sum of every amendment, so the cumulative change is "
    "always shown; a terminated contract says why.",
)
def contract_contract(request, pk: int):
    return _contract(pk)


# --- buyers -------------------------------------------------------------------------------------


@router.post(
    "/awards/{award_id}/contract",
    response={201: ContractOut, **ERRORS},
    summary="Sign the contract for an award (buyer officers), once its standstill has ended",
    description="Refused with a 422 before the standstill ends: until then bidders may "
    "challenge the award. The supplier and value are the award's.",
)
def contract_sign(request, award_id: int, payload: ContractSignIn):
    award = (
        Award.objects.select_related("process__organisation", "submission__organisation")
        .filter(pk=award_id)
        .first()
    )
    if award is None:
        raise Http404
    process = award.process
    if not can(request.auth, "processes.run", process):
        if not evaluation_selectors.scores_public(process):
            raise Http404  # an unpublished award is nobody else's business
        raise PermissionDenied(f"Only buyer officers of {process.organisation} sign its contracts.")
    made = services.contract_sign(
        actor=request.auth,
        award=award,
        title=payload.title,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, _contract(made.pk))


@router.post(
    "/contracts/{pk}/milestones",
    response={201: MilestoneOut, **ERRORS},
    summary="Add a milestone with its acceptance criteria (buyer officers)",
)
def milestone_add(request, pk: int, payload: MilestoneIn):
    contract = _runs(request, pk)
    made = services.milestone_add(
        actor=request.auth,
        contract=contract,
        title=payload.title,
        acceptance_criteria=payload.acceptance_criteria,
        due_on=payload.due_on,
    )
    return Status(201, made)


LATE = (
    " Decided more than the margin after it was due (OPENBUY_LESSONS_MILESTONE_MARGIN_DAYS, 14 "
    "days unless set), the milestone was missed: refused with a 422 (field `lesson`, or "
    "`lesson.title` and so on) without what that teaches — a `lesson`, or the "
    "`no_lesson_reason`; either is published, the lesson in the lessons register. Needed once "
    "per milestone; ignored when on time."
)


@router.post(
    "/contracts/{pk}/milestones/{milestone_id}/accept",
    response={200: MilestoneOut, **ERRORS},
    summary="Accept a milestone against its acceptance criteria (buyer officers)",
    description="The supplier is told. An accepted milestone stays accepted." + LATE,
)
def milestone_accept(request, pk: int, milestone_id: int, payload: MilestoneNoteIn | None = None):
    contract = _runs(request, pk)
    return services.milestone_decide(
        actor=request.auth,
        milestone=_milestone(contract, milestone_id),
        accept=True,
        note=payload.note if payload is not None else "",
        lesson=payload.entry() if payload is not None else None,
    )


@router.post(
    "/contracts/{pk}/milestones/{milestone_id}/reject",
    response={200: MilestoneOut, **ERRORS},
    summary="Record a milestone as not accepted, saying which criteria are not met",
    description="The note is required, public, and the supplier is told." + LATE,
)
def milestone_reject(request, pk: int, milestone_id: int, payload: MilestoneNoteIn):
    contract = _runs(request, pk)
    return services.milestone_decide(
        actor=request.auth,
        milestone=_milestone(contract, milestone_id),
        accept=False,
        note=payload.note,
        lesson=payload.entry(),
    )


@router.post(
    "/contracts/{pk}/outcomes",
    response={201: OutcomeOut, **ERRORS},
    summary="Add an outcome measure with its target (buyer officers)",
)
def outcome_add(request, pk: int, payload: OutcomeIn):
    contract = _runs(request, pk)
    made = services.outcome_add(
        actor=request.auth,
        contract=contract,
        name=payload.name,
        unit=payload.unit,
        target=payload.target,
    )
    return Status(201, made)


@router.put(
    "/contracts/{pk}/outcomes/{outcome_id}",
    response={200: OutcomeOut, **ERRORS},
    summary="Record what an outcome measure came to (buyer officers)",
    description="Recording again replaces the previous measurement, on the public record.",
)
def outcome_record(request, pk: int, outcome_id: int, payload: OutcomeActualIn):
    contract = _runs(request, pk)
    outcome = Outcome.objects.filter(pk=outcome_id, contract=contract).first()
    if outcome is None:
        raise Http404
    outcome.contract = contract
    return services.outcome_record(actor=request.auth, outcome=outcome, actual=payload.actual)


@router.post(
    "/contracts/{pk}/amendments",
    response={201: AmendmentOut, **ERRORS},
    summary="Amend the contract, with its value change and why (buyer officers)",
    description="Public, and the supplier is told. The contract shows the cumulative change.",
)
def amend(request, pk: int, payload: AmendmentIn):
    contract = _runs(request, pk)
    made = services.amend(
        actor=request.auth,
        contract=contract,
        value_change=payload.value_change,
        reason=payload.reason,
    )
    return Status(201, made)


@router.post(
    "/contracts/{pk}/terminate",
    response={200: ContractOut, **ERRORS},
    summary="End the contract early, with a public reason and its lesson (buyer officers)",
    description="A failure: refused with a 422 (field `lesson`, or `lesson.title` and so on) "
    "without what it teaches — a `lesson`, or the `no_lesson_reason`. Either is published, the "
    "lesson in the lessons register.",
)
def terminate(request, pk: int, payload: TerminationIn):
    contract = _runs(request, pk)
    services.terminate(
        actor=request.auth, contract=contract, reason=payload.reason, lesson=payload.entry()
    )
    return _contract(pk)


@router.post(
    "/contracts/{pk}/complete",
    response={200: ContractOut, **ERRORS},
    summary="Mark the contract complete (buyer officers), once every milestone is accepted",
)
def complete(request, pk: int):
    contract = _runs(request, pk)
    services.complete(actor=request.auth, contract=contract)
    return _contract(pk)
