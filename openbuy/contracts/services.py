"""Every write to contracts: signing after the standstill, milestones, outcomes, amendments,
termination. Each is the buyer's (its officers'), checked, audited in public, and told to the
supplier.

Two of them are failures that must teach something (see :mod:`openbuy.lessons.capture`):
terminating a contract, and deciding a milestone more than
``settings.LESSONS_MILESTONE_MARGIN_DAYS`` days after it was due. Neither goes ahead without a
lesson, or the public reason there is none."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from openbuy import clock
from openbuy.accounts.models import Membership, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.contracts.selectors import money
from openbuy.discussion import notifications
from openbuy.evaluation.models import Award
from openbuy.lessons import capture
from openbuy.lessons.models import Capture, Stage
from openbuy.processes.services import local

LIMITS = {"title": 150, "text": 5_000, "name": 150, "unit": 50}
MAX_AMOUNT = Decimal("99999999999999.99")


def _require_runner(actor: User, process) -> None:
    if not can(actor, "processes.run", process):
        raise PermissionDenied(
            f"Only buyer officers of {process.organisation} manage its contracts."
        )


def _text(value, field: str, *, label: str, limit: str = "text") -> str:
    value = str(value or "").replace("\r\n", "\n").strip()
    if not value:
        raise ValidationError({field: f"Enter the {label}"})
    if len(value) > LIMITS[limit]:
        raise ValidationError({field: f"The {label} must be {LIMITS[limit]:,} characters or fewer"})
    return value


def _amount(value, field: str, *, signed: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
        too_big = not amount.is_finite() or amount > MAX_AMOUNT or amount < -MAX_AMOUNT
    except (InvalidOperation, ValueError, ArithmeticError):
        raise ValidationError({field: "Enter an amount as a number, like 25000"}) from None
    if too_big or (amount < 0 and not signed):
        raise ValidationError({field: "Enter an amount between 0 and 99,999,999,999,999"})
    return amount.quantize(Decimal("0.01"))


def _day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    raise ValidationError({field: "Enter a date"})


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _tell(contract: Contract, message: str, actor: User) -> None:
    people = Membership.objects.filter(
        organisation_id=contract.supplier_id,
        role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
    ).values_list("user_id", flat=True)
    followers = notifications.followers_of_any([contract.process])
    notifications.notify(
        user_ids=set(people) | followers,
        message=message,
        url=reverse("contracts:detail", args=[contract.pk]),
        exclude=actor.pk,
    )


def _audit(actor: User, contract: Contract, action: str, summary: str, **changes) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=contract,
        organisation_id=contract.process.organisation_id,
        summary=summary,
        **changes,
    )


def contract_sign(*, actor: User, award: Award, starts_on, ends_on, title: str = "") -> Contract:
    """Sign the contract for an award — never before its standstill period has ended."""
    from openbuy.processes.models import Process

    process = Process.objects.select_related("organisation").get(pk=award.process_id)
    _require_runner(actor, process)
    starts_on, ends_on = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The contract must end after it starts"})
    title = _text(title or process.title, "title", label="title", limit="title")
    if process.state != process.State.AWARDED:
        raise ValidationError("The award is not published yet: every lot must be awarded first.")
    now = clock.now()
    if now < award.standstill_ends:
        raise ValidationError(
            f"The standstill period runs until {local(award.standstill_ends)}: bidders may "
            "challenge the award until then, so the contract cannot be signed yet."
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                contract = Contract.objects.create(
                    award=award,
                    process=process,
                    supplier=award.submission.organisation,
                    title=title,
                    value_amount=award.value_amount,
                    currency=award.currency,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    signed_at=now,
                    signed_by=actor,
                )
        except IntegrityError:
            raise ValidationError("The contract for this award is already signed.") from None
        _audit(
            actor,
            contract,
            "contract.signed",
            f"{actor} signed “{title}” with {contract.supplier} for {contract.currency} "
            f"{contract.value_amount:,.2f}",
            after={
                "value": str(contract.value_amount),
                "starts_on": str(starts_on),
                "ends_on": str(ends_on),
            },
        )
        _tell(contract, f"The contract “{title}” was signed", actor)
    return contract


def _active(contract: Contract) -> None:
    if contract.status != Contract.Status.ACTIVE:
        raise ValidationError(f"This contract is {contract.get_status_display().lower()}.")


def milestone_add(
    *, actor: User, contract: Contract, title: str, acceptance_criteria: str, due_on
) -> Milestone:
    _require_runner(actor, contract.process)
    title = _text(title, "title", label="milestone's title", limit="title")
    criteria = _text(acceptance_criteria, "acceptance_criteria", label="acceptance criteria")
    due_on = _day(due_on, "due_on")
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)
        number = contract.milestones.count() + 1
        milestone = Milestone.objects.create(
            contract=contract,
            number=number,
            title=title,
            acceptance_criteria=criteria,
            due_on=due_on,
        )
        _audit(
            actor,
            contract,
            "contract.milestone_added",
            f"{actor} added milestone {number}, “{title}”, due {due_on:%d %B %Y}",
        )
    return milestone


def days_late(milestone: Milestone, now: datetime | None = None) -> int:
    """How many days after its due date a milestone decided ``now`` is decided (0 or fewer: on
    time), counted in the service's time zone."""
    return (timezone.localdate(now or clock.now()) - milestone.due_on).days


def needing_lessons(milestones, now: datetime | None = None) -> set[int]:
    """The ids of those milestones whose decision ``now`` needs a lesson: more than the margin
    (``settings.LESSONS_MILESTONE_MARGIN_DAYS``) past due, and not yet captured (a late
    rejection and the acceptance after it are one missed milestone: one lesson). One query."""
    now = now or clock.now()
    margin = settings.LESSONS_MILESTONE_MARGIN_DAYS
    late = {m.pk for m in milestones if days_late(m, now) > margin}
    if not late:
        return set()
    captured = Capture.objects.filter(
        kind=Capture.Kind.MILESTONE_MISSED,
        content_type=ContentType.objects.get_for_model(Milestone),
        object_id__in=late,
    ).values_list("object_id", flat=True)
    return late - set(captured)


def lesson_needed(milestone: Milestone, now: datetime | None = None) -> bool:
    """Whether deciding this milestone ``now`` needs a lesson (see :func:`needing_lessons`)."""
    return milestone.pk in needing_lessons([milestone], now)


def milestone_decide(
    *,
    actor: User,
    milestone: Milestone,
    accept: bool,
    note: str = "",
    lesson: capture.Entry | None = None,
) -> Milestone:
    """Accept a milestone against its acceptance criteria, or not (with a note saying why).

    Decided more than the margin after it was due (:func:`lesson_needed`), the milestone was
    missed: the decision needs ``lesson`` — what it teaches, or why there is nothing to learn —
    kept about the milestone. Within the margin ``lesson`` is not needed, and ignored."""
    contract = milestone.contract
    _require_runner(actor, contract.process)
    note = str(note or "").strip()[: LIMITS["text"]]
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.status == Milestone.Status.ACCEPTED:
            raise ValidationError("This milestone has already been accepted.")
        now = clock.now()  # after the lock: a decision that waited is judged when it runs
        errors = {}
        if not accept and not note:
            errors["note"] = ["Say which acceptance criteria are not met"]
        late = lesson_needed(milestone, now)
        if late:
            try:
                lesson = capture.require(lesson)
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        milestone.status = Milestone.Status.ACCEPTED if accept else Milestone.Status.REJECTED
        milestone.decided_at = now
        milestone.decided_by = actor
        if accept and milestone.note and milestone.note != note:
            # Accepted after an earlier rejection: keep why it was first not accepted.
            note = f"Earlier not accepted: {milestone.note}" + (
                f" — Accepted: {note}" if note else ""
            )
            note = note[: LIMITS["text"]]
        milestone.note = note
        milestone.save(update_fields=["status", "decided_at", "decided_by", "note"])
        verb = "accepted" if accept else "did not accept"
        _audit(
            actor,
            contract,
            f"contract.milestone_{milestone.status}",
            f"{actor} {verb} milestone {milestone.number}, “{milestone.title}”"
            + (f": {note}" if note else ""),
        )
        if late and lesson is not None:
            due = milestone.due_on
            capture.record(
                actor=actor,
                entry=lesson,
                kind=Capture.Kind.MILESTONE_MISSED,
                organisation=contract.process.organisation,
                about=milestone,
                label=f"Milestone {milestone.number} of “{contract.title}”, “{milestone.title}”, "
                f"due {due.day} {due:%B %Y}, {'accepted' if accept else 'not accepted'} "
                f"{days_late(milestone, now)} days late",
                url=reverse("contracts:detail", args=[contract.pk])
                + f"#milestone-{milestone.number}",
                stage=Stage.DELIVERY,
                area=contract.process.area,
            )
        _tell(
            contract,
            f"Milestone “{milestone.title}” was {'accepted' if accept else 'not accepted'}",
            actor,
        )
    return milestone


def outcome_add(*, actor: User, contract: Contract, name: str, target, unit: str = "") -> Outcome:
    _require_runner(actor, contract.process)
    name = _text(name, "name", label="outcome", limit="name")
    unit = str(unit or "").strip()[: LIMITS["unit"]]
    target_value = _amount(target, "target", signed=True)
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)  # targets are set while it runs; actuals may come in after it ends
        made = Outcome.objects.create(contract=contract, name=name, unit=unit, target=target_value)
        _audit(
            actor,
            contract,
            "contract.outcome_added",
            f"{actor} set the outcome “{name}”: target {target_value} {unit}".strip(),
        )
    return made


def outcome_record(*, actor: User, outcome: Outcome, actual) -> Outcome:
    contract = outcome.contract
    _require_runner(actor, contract.process)
    value = _amount(actual, "actual", signed=True)
    with transaction.atomic():
        contract = _locked(contract)
        outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
        before = str(outcome.actual) if outcome.actual is not None else None
        outcome.actual, outcome.measured_at = value, clock.now()
        outcome.save(update_fields=["actual", "measured_at"])
        _audit(
            actor,
            contract,
            "contract.outcome_measured",
            f"{actor} recorded {value} {outcome.unit} for “{outcome.name}” "
            f"(target {outcome.target})".replace("  ", " "),
            before={"actual": before},
            after={"actual": str(value)},
        )
    return outcome


def amend(*, actor: User, contract: Contract, value_change, reason: str) -> Amendment:
    """Change the contract, with the value change (positive or negative) and why."""
    _require_runner(actor, contract.process)
    change = _amount(value_change, "value_change", signed=True)
    reason = _text(reason, "reason", label="reason")
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)
        made = Amendment.objects.create(
            contract=contract,
            value_change=change,
            reason=reason,
            made_by=actor,
            made_at=clock.now(),
        )
        _audit(
            actor,
            contract,
            "contract.amended",
            f"{actor} amended “{contract.title}” ({change:+,.2f} {contract.currency}): {reason}",
            after={"value_change": str(change), "reason": reason},
        )
        _tell(contract, f"“{contract.title}” was amended: {reason}", actor)
    return made


def terminate(
    *, actor: User, contract: Contract, reason: str, lesson: capture.Entry | None = None
) -> Contract:
    """End the contract early, with a public reason. A failure: it needs ``lesson`` — what the
    termination teaches, or why there is nothing to learn — checked before anything changes and
    kept about the contract, at its current value."""
    _require_runner(actor, contract.process)
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(reason, "reason", label="reason for ending the contract")
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        lesson = capture.require(lesson)
    except ValidationError as error:
        errors.update(error.message_dict)  # said with the reason's, not after it
    if errors:
        raise ValidationError(errors)
    assert lesson is not None  # require() returned it (checked above)
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)
        contract.status = Contract.Status.TERMINATED
        contract.termination_reason = reason
        contract.ended_at = clock.now()
        contract.save(update_fields=["status", "termination_reason", "ended_at"])
        _audit(
            actor,
            contract,
            "contract.terminated",
            f"{actor} terminated “{contract.title}”: {reason}",
            after={"reason": reason},
        )
        capture.record(
            actor=actor,
            entry=lesson,
            kind=Capture.Kind.TERMINATED,
            organisation=contract.process.organisation,
            about=contract,
            label=f"“{contract.title}” with {contract.supplier} terminated: {reason}",
            url=reverse("contracts:detail", args=[contract.pk]),
            stage=Stage.DELIVERY,
            area=contract.process.area,
            cost=max(money(contract).current, Decimal(0)),
            currency=contract.currency,
        )
        _tell(contract, f"“{contract.title}” was terminated: {reason}", actor)
    return contract


def complete(*, actor: User, contract: Contract) -> Contract:
    _require_runner(actor, contract.process)
    with transaction.atomic():
        contract = _locked(contract)
        _active(contract)
        if contract.milestones.exclude(status=Milestone.Status.ACCEPTED).exists():
            raise ValidationError("Every milestone must be accepted before the contract completes.")
        contract.status = Contract.Status.COMPLETED
        contract.ended_at = clock.now()
        contract.save(update_fields=["status", "ended_at"])
        _audit(actor, contract, "contract.completed", f"{actor} marked “{contract.title}” complete")
        _tell(contract, f"“{contract.title}” is complete", actor)
    return contract
