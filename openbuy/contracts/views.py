"""Pages for contracts: public reading; the buyer's officers sign, accept, measure, amend."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
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
    milestones = list(contract.milestones.all())
    pending = [m for m in milestones if m.status != Milestone.Status.ACCEPTED]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "process": contract.process,
            "money": selectors.money(contract),
            "milestones": milestones,
            # Decided now, these need a lesson: they are decided on their own page.
            "late": services.needing_lessons(pending) if runs and pending else set(),
            "margin": settings.LESSONS_MILESTONE_MARGIN_DAYS,
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
    signed = Contract.objects.filter(award=award).first()
    if signed is not None:  # signed already (perhaps by a colleague): show it, not a form
        messages.info(request, "The contract for this award is already signed.")
        return redirect("contracts:detail", pk=signed.pk)
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
    """Accept a milestone, or record it as not accepted. Usually a button on the contract page;
    its own page when the decision needs a lesson (the milestone is more than the margin past
    due), or when a decision is refused. A POST without the lesson (the button, pressed once the
    margin has passed) comes back as this page, with the lesson's fields and the error."""
    contract = _contract(pk)
    _runner(request, contract)
    if verdict not in ("accept", "reject"):
        raise Http404
    milestone = get_object_or_404(Milestone, pk=milestone_pk, contract=contract)
    late = services.lesson_needed(milestone)
    form = (f.LateDecideForm if late else f.DecideForm)(_posted(request))
    accept = verdict == "accept"
    if attempt(
        request,
        form,
        lambda d: services.milestone_decide(
            actor=request.user,
            milestone=milestone,
            accept=accept,
            note=d["note"],
            lesson=form.entry() if isinstance(form, f.LateDecideForm) else None,
        ),
        "Milestone accepted." if accept else "Recorded as not accepted.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    intro = ""
    if late:
        due = milestone.due_on
        intro = (
            f"Milestone {milestone.number} was due on {due.day} {due:%B %Y}: "
            f"{services.days_late(milestone)} days ago, more than the "
            f"{settings.LESSONS_MILESTONE_MARGIN_DAYS} days allowed. Deciding it now needs a "
            "lesson — what missing it teaches — or the reason there is none. Both are published."
        )
    if accept:
        return _page(
            request, form, contract, f"Accepting “{milestone.title}”", "Accept it", intro=intro
        )
    return _page(
        request,
        form,
        contract,
        f"Not accepting “{milestone.title}”",
        "Record it as not accepted",
        intro=intro,
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
        lambda d: services.terminate(
            actor=request.user, contract=contract, reason=d["reason"], lesson=form.entry()
        ),
        "Contract terminated.",
    ):
        return redirect("contracts:detail", pk=contract.pk)
    return _page(
        request,
        form,
        contract,
        "Terminate the contract",
        "Terminate",
        intro="The reason is published and the supplier is told. Record what ending early "
        "teaches, too: a lesson, or why there is none.",
        danger=True,
    )
