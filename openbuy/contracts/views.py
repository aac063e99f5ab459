"""Pages for contracts: public reading; the buyer's officers sign, accept, measure, amend."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from openbuy.accounts.rules import can
from openbuy.contracts import forms as f
from openbuy.contracts import selectors, services
from openbuy.contracts.models import Contract, Milestone, Outcome
from openbuy.evaluation.models import Award
from openbuy.processes.services import local
from openbuy.ui.forms import attempt


def _posted(request):
    return request.POST if request.method == "POST" else None


def _contract(pk: int) -> Contract:
    contract = selectors.contract_for(pk)
    if contract is None:
        raise Http404
    return contract


def _runner(request, contract: Contract) -> None:
    if not can(request.user, "processes.run", contract.process):
        raise PermissionDenied


def _page(request, form, contract, heading, button, intro="", danger=False, process=None):
    return render(
        request,
        "processes/form.html",
        {
            "form": form,
            "process": process or contract.process,
            "heading": heading,
            "button": button,
            "intro": intro,
            "danger": danger,
        },
    )


def detail(request, pk: int):
    contract = _contract(pk)
    runs = can(request.user, "processes.run", contract.process)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "process": contract.process,
            "money": selectors.money(contract),
            "milestones": list(contract.milestones.all()),
            "outcomes": list(contract.outcomes.all()),
            "amendments": list(contract.amendments.select_related("made_by")),
            "runs": runs and contract.status == Contract.Status.ACTIVE,
            "decide_form": f.DecideForm(),
            "actual_form": f.ActualForm(),
        },
    )


@login_required
def sign(request, award_pk: int):
    award = get_object_or_404(
        Award.objects.select_related("process", "submission__organisation"), pk=award_pk
    )
    if not can(request.user, "processes.run", award.process):
        raise Http404  # the same answer whether or not an unpublished award exists
    form = f.SignForm(_posted(request), initial={"title": award.process.title})
    made = attempt(
        request,
        form,
        lambda d: services.contract_sign(
            actor=request.user,
            award=award,
            title=d["title"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
        ),
        "Contract signed.",
    )
    if made:
        return redirect("contracts:detail", pk=made.pk)
    return render(
        request,
        "processes/form.html",
        {
            "form": form,
            "process": award.process,
            "heading": f"Sign the contract with {award.submission.organisation.name}",
            "intro": f"For {award.currency} {award.value_amount:,.2f}. Not before the "
            f"standstill ends ({local(award.standstill_ends)}).",
            "button": "Sign the contract",
        },
    )


@login_required
def milestone_add(request, pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    form = f.MilestoneForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.milestone_add(actor=request.user, contract=contract, **d),
        "Milestone added.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(request, form, contract, "Add a milestone", "Add the milestone")


@login_required
def milestone_decide(request, pk: int, milestone_pk: int, verdict: str):
    contract = _contract(pk)
    _runner(request, contract)
    if verdict not in ("accept", "reject") or request.method != "POST":
        raise Http404
    milestone = get_object_or_404(Milestone, pk=milestone_pk, contract=contract)
    form = f.DecideForm(request.POST)
    if attempt(
        request,
        form,
        lambda d: services.milestone_decide(
            actor=request.user, milestone=milestone, accept=verdict == "accept", note=d["note"]
        ),
        "Milestone accepted." if verdict == "accept" else "Recorded as not accepted.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    if verdict == "accept":
        return _page(request, form, contract, f"Accepting “{milestone.title}”", "Accept it")
    return _page(
        request, form, contract, f"Not accepting “{milestone.title}”", "Record it as not accepted"
    )


@login_required
def outcome_add(request, pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    form = f.OutcomeForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.outcome_add(actor=request.user, contract=contract, **d),
        "Outcome measure added.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(request, form, contract, "Add an outcome measure", "Add the measure")


@login_required
def outcome_record(request, pk: int, outcome_pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    outcome = get_object_or_404(Outcome, pk=outcome_pk, contract=contract)
    form = f.ActualForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.outcome_record(actor=request.user, outcome=outcome, actual=d["actual"]),
        "Measurement recorded.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(request, form, contract, f"Record “{outcome.name}”", "Record it")


@login_required
def amend(request, pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    form = f.AmendForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.amend(actor=request.user, contract=contract, **d),
        "Amendment recorded.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(request, form, contract, "Amend the contract", "Record the amendment")


@login_required
def complete(request, pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    form = f.CompleteForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.complete(actor=request.user, contract=contract),
        "The contract is complete.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(
        request,
        form,
        contract,
        "Mark the contract complete",
        "Mark it complete",
        intro="Every milestone must have been accepted.",
    )


@login_required
def terminate(request, pk: int):
    contract = _contract(pk)
    _runner(request, contract)
    form = f.TerminateForm(_posted(request))
    if attempt(
        request,
        form,
        lambda d: services.terminate(actor=request.user, contract=contract, reason=d["reason"]),
        "Contract terminated.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(request, form, contract, "Terminate the contract", "Terminate", danger=True)
