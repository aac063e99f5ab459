"""Every write to procurement processes. Pages, the API, commands and tests all call these.

Each one checks permission, validates, locks the process row (no joins in the locking query:
see ADR 012), checks the move against :data:`lifecycle.TRANSITIONS` at the server's clock,
writes, appends the audit event and the public timeline entry, and tells whoever should know.

Submissions are sealed: their content is only ever written encrypted (:mod:`.sealing`), their
audit events name neither the process nor the content, and nothing here tells anyone but the
submitting organisation that a submission exists until the phase is opened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.discussion import moderation, notifications
from openbuy.lessons import capture, gate
from openbuy.lessons.models import Capture, Stage
from openbuy.needs.models import Area
from openbuy.needs.services import ATTACHMENT_TYPES, sniff
from openbuy.processes import gates, kinds, lifecycle, sealing
from openbuy.processes.lifecycle import Event, Status
from openbuy.processes.models import (
    Criterion,
    Invitation,
    Lot,
    Phase,
    Process,
    ProcessEvent,
    Question,
    Receipt,
    Submission,
    SubmissionFile,
)
from openbuy.specifications import services as spec_services
from openbuy.specifications import signals
from openbuy.specifications.models import Specification, SpecVersion
from openbuy.tasks import send_email

LIMITS = {
    "title": 150,
    "summary": 5_000,
    "how_to_enter": 5_000,
    "description": 5_000,
    "success_criteria": 2_000,
    "kill_criteria": 2_000,
    "name": 150,
    "question": 3_000,
    "answer": 10_000,
    "reason": 2_000,
    "note": 1_000,
    "response": 20_000,
}
MAX_VALUE = Decimal("99999999999999.99")
MAX_CRITERIA = 12
MAX_LOTS = 20
MAX_FILES = 5
MAX_DAYS = 60


# --- small helpers ----------------------------------------------------------------------------


def _require(user, perm: str, obj=None, message: str = "You cannot do that.") -> None:
    if not can(user, perm, obj):
        raise PermissionDenied(message)


def _require_runner(actor: User, process: Process) -> None:
    _require(
        actor,
        "processes.run",
        process,
        f"Only buyer officers of {process.organisation} can run this process.",
    )


def _text(value, field: str, *, required: bool = True, label: str = "") -> str:
    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    label = label or field.replace("_", " ")
    if required and not value:
        raise ValidationError({field: f"Enter the {label}"})
    limit = LIMITS.get(field, LIMITS["description"])
    if len(value) > limit:
        raise ValidationError({field: f"The {label} must be {limit:,} characters or fewer"})
    return value


def money(amount, field: str = "value_amount") -> Decimal | None:
    """A non-negative amount of money from a form or JSON, or a message keyed by ``field``."""
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise ValidationError({field: "Enter an amount as a number, like 250000"}) from None
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise ValidationError({field: "Enter an amount between 0 and 99,999,999,999,999"})
    return value.quantize(Decimal("0.01"))


def _currency(code) -> str:
    code = str(code or settings.CURRENCY).strip().upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValidationError({"currency": "Enter a three-letter currency code, like GBP"})
    return code


def _days(value, field: str) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Enter a whole number of days"}) from None
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({field: f"Enter a number of days from 1 to {MAX_DAYS}"})
    return days


def lock(process: Process) -> Process:
    """The process row, locked for this transaction; its current phase read after the lock."""
    locked = Process.objects.select_for_update().get(pk=process.pk)
    locked.current_phase = (
        Phase.objects.get(pk=locked.current_phase_id) if locked.current_phase_id else None
    )
    return locked


def _status(process: Process, now: datetime | None = None) -> Status:
    return lifecycle.status_of(process, now or clock.now())


def _move(process: Process, event: Event, now: datetime | None = None) -> Status:
    """Check ``event`` against the transition table at ``now``; the status it leads to."""
    return lifecycle.after(_status(process, now), event)


def local(moment: datetime, pattern: str = "%d %B %Y %H:%M") -> str:
    """A moment as the people using the service read it: in its time zone, not UTC."""
    return timezone.localtime(moment).strftime(pattern)


def url(process: Process, *parts: str) -> str:
    return reverse("processes:detail", args=[process.pk]) + "".join(parts)


def _event(
    process: Process,
    kind: str,
    summary: str,
    *,
    actor: User | None,
    at: datetime | None = None,
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> ProcessEvent:
    return ProcessEvent.objects.create(
        process=process,
        kind=kind,
        at=at or clock.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        summary=summary[:500],
        note=note,
        before=before or {},
        after=after or {},
    )


def _audit(actor, process: Process, action: str, summary: str, **changes) -> None:
    """Audit a change to a process: public once it has been published, private before (a
    draft, and a draft cancelled before publication, are its buyer's business alone)."""
    audit.record(
        actor=actor,
        action=action,
        obj=process,
        organisation_id=process.organisation_id,
        summary=summary,
        public=process.published_at is not None,
        **changes,
    )


def starters(process: Process) -> set[int]:
    """Everyone who has started a submission to this process (for their eyes only)."""
    orgs = Submission.objects.filter(phase__process=process).exclude(
        state=Submission.State.WITHDRAWN
    )
    people = set(orgs.values_list("started_by_id", flat=True))
    people |= set(
        Membership.objects.filter(
            organisation_id__in=orgs.values("organisation_id"),
            role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
        ).values_list("user_id", flat=True)
    )
    return people


def _followers(process: Process) -> set[int]:
    return notifications.followers_of_any([process])


def _buyers(process: Process) -> set[int]:
    return set(
        Membership.objects.filter(
            organisation_id=process.organisation_id,
            role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        ).values_list("user_id", flat=True)
    )


def _tell(user_ids: Iterable[int], message: str, link: str, *, exclude: int | None) -> None:
    notifications.notify(user_ids=user_ids, message=message, url=link, exclude=exclude)


# --- drafting a process -----------------------------------------------------------------------

DEFAULT_CRITERIA = {
    "tender": [
        ("quality", "Quality of the proposed approach", 60),
        ("price", "Price", 30),
        ("social_value", "Social value", 10),
    ],
    "challenge": [
        ("quality", "How well it solves the problem", 70),
        ("social_value", "Social value", 30),
    ],
    "staged": [
        ("quality", "Quality and feasibility", 60),
        ("price", "Value for money", 20),
        ("social_value", "Social value", 20),
    ],
}


def process_create(
    *,
    actor: User,
    specification: Specification,
    kind: str,
    title: str = "",
    summary: str = "",
    area: Area | None = None,
    value_amount=None,
    currency: str = "",
    how_to_enter: str = "",
) -> Process:
    """A draft process for a buyer's specification, with the kind's phases and starting
    criteria to edit."""
    _require(
        actor,
        "specifications.write",
        specification,
        f"Only buyer officers of {specification.organisation} can run a process for it.",
    )
    if kind not in kinds.RULES:
        raise ValidationError({"kind": "Choose a challenge, a tender or a staged competition"})
    rules = kinds.rules_for(kind)
    title = _text(title or specification.title, "title")
    now = clock.now()
    with transaction.atomic():
        process = Process.objects.create(
            organisation_id=specification.organisation_id,
            specification=specification,
            kind=kind,
            title=title,
            summary=_text(summary or specification.summary, "summary", required=False),
            area=area,
            value_amount=money(value_amount) if value_amount not in (None, "") else None,
            currency=_currency(currency or specification.currency),
            how_to_enter=_text(how_to_enter, "how_to_enter", required=False),
            amendment_days=settings.PROCESS_AMENDMENT_DAYS,
            question_days=settings.PROCESS_QUESTION_DAYS,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        if process.value_amount is None:
            process.value_amount = specification.value_amount
            process.save(update_fields=["value_amount"])
        for number, plan in enumerate(rules.phases, start=1):
            Phase.objects.create(
                process=process,
                number=number,
                title=plan.title,
                description=plan.description,
                take_forward=plan.take_forward,
            )
        for number, (ckind, name, weight) in enumerate(DEFAULT_CRITERIA[kind], start=1):
            Criterion.objects.create(
                process=process, number=number, kind=ckind, name=name, weight=weight
            )
        process.current_phase = process.phases.get(number=1)
        process.save(update_fields=["current_phase"])
        _event(process, ProcessEvent.Kind.CREATED, f"{actor} drafted this process", actor=actor)
        _audit(
            actor,
            process,
            "process.created",
            f"{actor} drafted the {process.get_kind_display().lower()} “{title}”",
            after={"kind": kind, "specification": specification.pk},
        )
    return process


def _require_draft(process: Process) -> None:
    if not process.is_draft:
        raise ValidationError(
            "This process is published: change it by amendment or by extending its deadline."
        )


def process_update(
    *,
    actor: User,
    process: Process,
    title: str,
    summary: str = "",
    area: Area | None = None,
    value_amount=None,
    currency: str = "",
    how_to_enter: str = "",
    amendment_days=None,
    question_days=None,
) -> Process:
    _require_runner(actor, process)
    values = {
        "title": _text(title, "title"),
        "summary": _text(summary, "summary", required=False),
        "area": area,
        "value_amount": money(value_amount),
        "currency": _currency(currency),
        "how_to_enter": _text(how_to_enter, "how_to_enter", required=False),
        "amendment_days": _days(amendment_days or process.amendment_days, "amendment_days"),
        "question_days": _days(question_days or process.question_days, "question_days"),
    }
    with transaction.atomic():
        process = lock(process)
        _require_draft(process)
        for field, value in values.items():
            setattr(process, field, value)
        process.updated_at = clock.now()
        process.save()
        _audit(actor, process, "process.updated", f"{actor} edited the draft “{process.title}”")
    return process


def _when(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError({field: "Give the time with its time zone"})
        return value
    raise ValidationError({field: "Enter a date and time"})


def _day(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValidationError({field: "Enter a date"})


def phase_update(
    *,
    actor: User,
    process: Process,
    number: int,
    title: str,
    description: str = "",
    budget_amount=None,
    take_forward=None,
    success_criteria: str = "",
    kill_criteria: str = "",
    enquiry_end=None,
    deadline=None,
    evaluation_date=None,
    decision_date=None,
) -> Phase:
    """Plan a phase. A published process's phases change only before they start."""
    _require_runner(actor, process)
    values: dict[str, object] = {
        "title": _text(title, "title"),
        "description": _text(description, "description", required=False),
        "budget_amount": money(budget_amount, "budget_amount"),
        "success_criteria": _text(success_criteria, "success_criteria", required=False),
        "kill_criteria": _text(kill_criteria, "kill_criteria", required=False),
        "enquiry_end": _when(enquiry_end, "enquiry_end"),
        "deadline": _when(deadline, "deadline"),
        "evaluation_date": _day(evaluation_date, "evaluation_date"),
        "decision_date": _day(decision_date, "decision_date"),
    }
    forward: int | None = None
    if take_forward not in (None, ""):
        try:
            forward = int(take_forward)
        except (TypeError, ValueError):
            raise ValidationError({"take_forward": "Enter a whole number of suppliers"}) from None
        if not 1 <= forward <= 100:
            raise ValidationError({"take_forward": "Enter a number of suppliers from 1 to 100"})
    values["take_forward"] = forward
    enquiry, due = _when(enquiry_end, "enquiry_end"), _when(deadline, "deadline")
    if enquiry and due and enquiry > due:
        raise ValidationError({"enquiry_end": "The enquiry period must end before the deadline"})
    with transaction.atomic():
        process = lock(process)
        phase = process.phases.filter(number=number).first()
        if phase is None:
            raise ValidationError({"number": "There is no such phase"})
        if not process.is_draft and (phase.number <= process.phase.number or phase.is_opened):
            raise ValidationError(
                "This phase has started: its deadline changes only by an extension."
            )
        before = {"deadline": phase.deadline.isoformat() if phase.deadline else None}
        for field, value in values.items():
            setattr(phase, field, value)
        phase.save()
        after = {"deadline": phase.deadline.isoformat() if phase.deadline else None}
        _audit(
            actor,
            process,
            "process.phase_planned",
            f"{actor} planned phase {number} of “{process.title}”",
            after={"phase": number, "title": values["title"], **after},
        )
        if not process.is_draft:
            # The plan of a later phase is part of the published notice: a change is shown.
            when = f"deadline {local(phase.deadline)}" if phase.deadline else "no deadline yet"
            _event(
                process,
                ProcessEvent.Kind.REPLANNED,
                f"Phase {number} ({phase.title}) was replanned: {when}",
                actor=actor,
                before=before,
                after=after,
            )
    return phase


def phases_set(*, actor: User, process: Process, count: int) -> Process:
    """Add or remove phases at the end (drafts only), within what the kind allows."""
    _require_runner(actor, process)
    rules = kinds.rules_for(process.kind)
    message = rules.check_phases(count)
    if message:
        raise ValidationError({"count": message})
    with transaction.atomic():
        process = lock(process)
        _require_draft(process)
        have = process.phases.count()
        for number in range(have + 1, count + 1):
            plan = rules.phases[number - 1] if number <= len(rules.phases) else None
            Phase.objects.create(
                process=process,
                number=number,
                title=plan.title if plan else f"Phase {number}",
                description=plan.description if plan else "",
            )
        process.phases.filter(number__gt=count).delete()
    return process


def lots_set(*, actor: User, process: Process, lots: Sequence[dict]) -> list[Lot]:
    """Replace a draft tender's lots: ``[{"title", "description", "value_amount"}]``."""
    _require_runner(actor, process)
    if lots and not kinds.rules_for(process.kind).lots:
        raise ValidationError({"lots": "Only a tender can be split into lots"})
    if len(lots) > MAX_LOTS:
        raise ValidationError({"lots": f"A tender can have at most {MAX_LOTS} lots"})
    clean = []
    for i, lot in enumerate(lots):
        try:
            clean.append(
                {
                    "title": _text(lot.get("title"), "title", label="lot's title"),
                    "description": _text(lot.get("description"), "description", required=False),
                    "value_amount": money(lot.get("value_amount")),
                }
            )
        except ValidationError as error:
            raise ValidationError(
                {f"lots.{i}.{field}": messages for field, messages in error.message_dict.items()}
            ) from None
    with transaction.atomic():
        process = lock(process)
        _require_draft(process)
        process.lots.all().delete()
        made = [Lot.objects.create(process=process, number=i, **v) for i, v in enumerate(clean, 1)]
    return made


def _clean_criteria(process: Process, criteria: Sequence[dict]) -> list[dict[str, Any]]:
    if not criteria:
        raise ValidationError({"criteria": "Add at least one criterion"})
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError({"criteria": f"Use at most {MAX_CRITERIA} criteria"})
    clean: list[dict[str, Any]] = []
    for i, item in enumerate(criteria):
        field = f"criteria.{i}"
        kind = str(item.get("kind") or "")
        if kind not in Criterion.Kind.values:
            raise ValidationError({f"{field}.kind": "Choose price, quality or social value"})
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError({f"{field}.name": "Name the criterion"})
        if len(name) > LIMITS["name"]:
            raise ValidationError({f"{field}.name": "The name must be 150 characters or fewer"})
        try:
            weight = int(str(item.get("weight", "")).strip().rstrip("%"))
        except ValueError:
            raise ValidationError(
                {f"{field}.weight": "Enter the weight as a whole number"}
            ) from None
        if not 1 <= weight <= 100:
            raise ValidationError({f"{field}.weight": "Enter a weight from 1 to 100"})
        description = str(item.get("description") or "").strip()[: LIMITS["description"]]
        clean.append({"kind": kind, "name": name, "weight": weight, "description": description})
    total = sum(c["weight"] for c in clean)
    if total != 100:
        raise ValidationError(
            {"criteria": f"The weights must add up to 100 (they add up to {total})"}
        )
    prices = [c for c in clean if c["kind"] == Criterion.Kind.PRICE]
    if len(prices) > 1:
        raise ValidationError({"criteria": "Use one price criterion"})
    if kinds.rules_for(process.kind).needs_price and not prices:
        raise ValidationError({"criteria": "Weigh price as one of the criteria"})
    names = [c["name"].lower() for c in clean]
    if len(set(names)) != len(names):
        raise ValidationError({"criteria": "Give each criterion a different name"})
    return clean


def criteria_table(criteria: Iterable) -> str:
    """The criteria as the Markdown the specification's judging section carries."""
    lines = ["| Criterion | Kind | Weight |", "| --- | --- | --- |"]
    for c in criteria:
        kind = Criterion.Kind(c["kind"]).label
        lines.append(f"| {c['name']} | {kind} | {c['weight']}% |")
    notes = [f"- **{c['name']}**: {c['description']}" for c in criteria if c.get("description")]
    return "\n".join(lines + (["", *notes] if notes else []))


def criteria_set(
    *, actor: User, process: Process, criteria: Sequence[dict], note: str = ""
) -> list[Criterion]:
    """Set the weighted criteria. Drafts change freely. While the process is open, it is an
    amendment: a public note, a new specification version and at least N days to go."""
    _require_runner(actor, process)
    clean = _clean_criteria(process, criteria)
    with transaction.atomic():
        # The specification first, then the process: the order an amendment made on the
        # specification's own page takes them in (section_edit → on_amended), so the two can
        # never wait for each other.
        Specification.objects.select_for_update().filter(pk=process.specification_id).first()
        process = lock(process)
        before = [
            {"kind": c.kind, "name": c.name, "weight": c.weight, "description": c.description}
            for c in process.criteria.all()
        ]
        if not process.is_draft:
            now = clock.now()
            settle(process, now)  # an unanswered question may have moved the deadline on
            _move(process, Event.AMEND, now)
            note = _text(note, "note", label="change note")
            if before == clean:
                raise ValidationError({"criteria": "Nothing has changed"})
        process.criteria.all().delete()
        made = [
            Criterion.objects.create(process=process, number=i, **c)
            for i, c in enumerate(clean, start=1)
        ]
        if not process.is_draft:
            _event(
                process,
                ProcessEvent.Kind.CRITERIA_AMENDED,
                f"The evaluation criteria were amended: {note}",
                actor=actor,
                note=note,
                before={"criteria": before},
                after={"criteria": clean},
            )
            _audit(
                actor,
                process,
                "process.criteria_amended",
                f"{actor} amended the criteria of “{process.title}”",
                before={"criteria": before},
                after={"criteria": clean, "note": note},
            )
            # The specification says how responses are judged: it is amended with them, and
            # the amendment moves the deadline (see on_amended below).
            _amend_judging(actor, process, clean, note)
    return made


def _amend_judging(actor: User, process: Process, criteria: list[dict], note: str) -> None:
    """Rewrite the specification's section on how responses are judged (the outline's
    ``judging`` section, or one added earlier under the same heading), or add it."""
    spec = Specification.objects.select_related("current_version").get(pk=process.specification_id)
    table = criteria_table(criteria)
    sections = spec.latest.sections if spec.current_version_id else []
    key = next(
        (s["key"] for s in sections if s["key"] == "judging" or s["heading"] == JUDGING_HEADING),
        None,
    )
    if key is not None:
        spec_services.section_edit(
            actor=actor, spec=spec, key=key, body=table, note=f"Criteria amended: {note}"
        )
    else:
        spec_services.section_add(
            actor=actor,
            spec=spec,
            heading=JUDGING_HEADING,
            body=table,
            note=f"Criteria amended: {note}",
        )


JUDGING_HEADING = "How responses will be judged"


# --- publishing and the timeline ---------------------------------------------------------------


def _check_plan(process: Process, now: datetime) -> None:
    """A process is ready to publish: dates in order and in the future, weights add up."""
    rules = kinds.rules_for(process.kind)
    phases = list(process.phases.all())
    message = rules.check_phases(len(phases))
    if message:
        raise ValidationError({"phases": message})
    first = phases[0]
    if first.enquiry_end is None or first.deadline is None:
        raise ValidationError(
            {"phases.1.deadline": "Set the end of the enquiry period and the deadline of phase 1"}
        )
    if first.enquiry_end <= now:
        raise ValidationError({"phases.1.enquiry_end": "The enquiry period must end in the future"})
    last = first.deadline
    for phase in phases[1:]:
        if phase.deadline is not None and phase.deadline <= last:
            raise ValidationError(
                {f"phases.{phase.number}.deadline": "Each phase must close after the one before"}
            )
        last = phase.deadline or last
    _clean_criteria(
        process,
        [
            {"kind": c.kind, "name": c.name, "weight": c.weight, "description": c.description}
            for c in process.criteria.all()
        ],
    )
    if process.kind == Process.Kind.CHALLENGE and not process.how_to_enter:
        raise ValidationError({"how_to_enter": "Say how to enter the challenge"})


def gate_text(process: Process) -> str:
    parts = [process.title, process.summary, process.how_to_enter]
    parts += [f"{p.title}\n{p.description}" for p in process.phases.all()]
    return "\n\n".join(p for p in parts if p)


def process_publish(
    *, actor: User, process: Process, acknowledgements: Sequence[gate.Acknowledgement] = ()
) -> Process:
    """Publish the notice: the frozen specification, the criteria and the timeline, after
    facing the most similar past lessons."""
    _require_runner(actor, process)
    kept = gate.check(gate.matches(gate_text(process)), acknowledgements)
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        _move(process, Event.PUBLISH, now)
        _check_plan(process, now)
        spec = process.specification
        if spec.status != Specification.Status.FROZEN:
            raise ValidationError(
                {"specification": "Freeze the specification for publication first"}
            )
        spec = spec_services.specification_publish(actor=actor, spec=spec)
        process.spec_version_id = spec.frozen_version_id
        process.state = Process.State.LIVE
        process.published_at = now
        process.updated_at = now
        process.save(update_fields=["spec_version", "state", "published_at", "updated_at"])
        gate.acknowledge(actor=actor, target=process, acknowledgements=kept)
        phase = process.phase
        _event(
            process,
            ProcessEvent.Kind.PUBLISHED,
            f"Published: questions until {local(phase.enquiries_due)}, "
            f"submissions until {local(phase.due)}",
            actor=actor,
            after={
                "specification_version": spec.version_count,
                "enquiry_end": phase.enquiries_due.isoformat(),
                "deadline": phase.due.isoformat(),
            },
        )
        _audit(
            actor,
            process,
            "process.published",
            f"{actor} published “{process.title}”",
            after={"version": spec.version_count, "deadline": phase.due.isoformat()},
        )
        from openbuy.specifications.selectors import audience

        _tell(
            notifications.followers_of_any(audience(spec)),
            f"“{process.title}” is open: questions until {local(phase.enquiries_due, '%d %B')}",
            url(process),
            exclude=actor.pk,
        )
    return process


def _extend(
    process: Process,
    deadline: datetime,
    *,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
) -> None:
    phase = process.phase
    old = phase.due
    phase.deadline = deadline
    phase.save(update_fields=["deadline"])
    _event(
        process,
        ProcessEvent.Kind.DEADLINE_EXTENDED,
        f"Deadline moved from {local(old)} to {local(deadline)}: {reason}",
        actor=actor,
        at=at,
        note=reason,
        before={"deadline": old.isoformat()},
        after={"deadline": deadline.isoformat()},
    )
    audit.record(
        actor=actor,
        action="process.deadline_extended",
        obj=process,
        organisation_id=process.organisation_id,
        summary=f"The deadline of “{process.title}” moved to {local(deadline)}: {reason}",
        before={"deadline": old.isoformat()},
        after={"deadline": deadline.isoformat(), "reason": reason},
    )


def _leave_time(process: Process, now: datetime, reason: str, actor: User | None) -> None:
    """Move the deadline so at least ``amendment_days`` remain (never earlier)."""
    due = now + timedelta(days=process.amendment_days)
    if process.phase.due < due:
        _extend(process, due, actor=actor, reason=reason)


def deadline_extend(*, actor: User, process: Process, deadline, reason: str) -> Process:
    """The buyer gives more time. A deadline only ever moves later."""
    _require_runner(actor, process)
    reason = _text(reason, "reason")
    new = _when(deadline, "deadline")
    if new is None:
        raise ValidationError({"deadline": "Enter the new deadline"})
    deadline = new
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        settle(process, now)
        _move(process, Event.EXTEND, now)
        if deadline <= process.phase.due:
            raise ValidationError(
                {"deadline": "The new deadline must be later than the current one"}
            )
        _extend(process, deadline, actor=actor, reason=reason)
        _tell(
            _followers(process) | starters(process),
            f"More time for “{process.title}”: the deadline is now {local(deadline)}",
            url(process),
            exclude=actor.pk,
        )
    return process


@receiver(signals.amended, dispatch_uid="processes.on_amended")
def on_amended(sender, *, actor: User, specification: Specification, version: SpecVersion, **kw):
    """A published specification was amended (on its own page or by a criteria change): the
    processes publishing it move to the new version and leave suppliers enough time. After the
    deadline nothing may change what suppliers answered."""
    for process in Process.objects.filter(specification=specification).exclude(
        state=Process.State.DRAFT
    ):
        process = lock(process)
        now = clock.now()
        settle(process, now)
        status = _status(process, now)
        if status in (Status.AWARDED, Status.UNSUCCESSFUL, Status.CANCELLED):
            continue
        lifecycle.after(status, Event.AMEND)
        before = process.spec_version.number if process.spec_version is not None else None
        process.spec_version = version
        process.updated_at = now
        process.save(update_fields=["spec_version", "updated_at"])
        _event(
            process,
            ProcessEvent.Kind.AMENDED,
            f"The specification was amended (version {version.number}): {version.note}",
            actor=actor,
            note=version.note,
            before={"version": before},
            after={"version": version.number},
        )
        _leave_time(
            process,
            now,
            f"the specification was amended; at least {process.amendment_days} days remain",
            actor,
        )
        _tell(
            _followers(process) | starters(process),
            f"“{process.title}” was amended: {version.note}",
            url(process),
            exclude=actor.pk,
        )


def settle(process: Process, now: datetime) -> bool:
    """Apply the unanswered-questions rule to a locked, live process. Returns True if the
    deadline moved.

    The deadline does not pass while a question asked ``question_days`` or more before it is
    still unanswered at it: it moves on by ``question_days``, publicly, as many times as needed.
    The outcome depends only on the recorded times, so it is the same whenever this runs.
    """
    phase = process.phase
    if process.state != Process.State.LIVE or phase is None or phase.deadline is None:
        return False
    grace = timedelta(days=process.question_days)
    moved = False
    while phase.deadline <= now:
        at = phase.deadline
        waiting = (
            Question.objects.filter(phase=phase, asked_at__lte=at - grace)
            .filter(Q(answered_at__isnull=True) | Q(answered_at__gt=at))
            .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
        )
        if not waiting.exists():
            break
        _extend(
            process,
            at + grace,
            actor=None,
            at=at,
            reason=f"questions asked more than {process.question_days} days before it were "
            "still unanswered",
        )
        moved = True
    return moved


def settle_due(now: datetime | None = None) -> int:
    """Settle every live process whose deadline has come while a question waits. Cheap when
    there is nothing to do: lists, feeds and the ``openbuy processes settle`` command call it."""
    now = now or clock.now()
    due = Process.objects.filter(
        state=Process.State.LIVE,
        current_phase__deadline__lte=now,
        questions__state=Question.State.OPEN,
    ).distinct()
    moved = 0
    for process in due:
        with transaction.atomic():
            moved += settle(lock(process), now)
    return moved


def _decide(
    *,
    actor: User,
    process: Process,
    reason: str,
    event: Event,
    state: str,
    kind: str,
    verb: str,
    failure: str = "",
    lesson: capture.Entry | None = None,
) -> Process:
    """Record a decision that ends (or moves) the process. A ``failure`` (a
    :class:`~openbuy.lessons.models.Capture` kind) does not go ahead without ``lesson``: a lesson,
    or the public reason there is none, checked before anything changes."""
    _require_runner(actor, process)
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(reason, "reason")
    except ValidationError as error:
        errors.update(error.message_dict)
    if failure:
        try:
            lesson = capture.require(lesson)
        except ValidationError as error:
            errors.update(error.message_dict)  # said with the reason's, not after it
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        settle(process, now)
        was = _status(process, now)
        _move(process, event, now)
        process.state = state
        process.decision_reason = reason
        process.updated_at = now
        process.save(update_fields=["state", "decision_reason", "updated_at"])
        _event(process, kind, f"{verb}: {reason}", actor=actor, note=reason)
        _audit(
            actor,
            process,
            f"process.{state}",
            f"{actor} {verb.lower()} “{process.title}”: {reason}",
            after={"reason": reason},
        )
        if failure and lesson is not None:
            capture.record(
                actor=actor,
                entry=lesson,
                kind=failure,
                organisation=process.organisation,
                about=process,
                label=f"“{process.title}” {verb.lower()}: {reason}",
                url=url(process),
                stage=Stage.EVALUATION if was == Status.EVALUATION else Stage.COMPETITION,
                area=process.area,
            )
        _tell(
            _followers(process) | starters(process),
            f"“{process.title}”: {verb.lower()}",
            url(process),
            exclude=actor.pk,
        )
    return process


def process_cancel(
    *, actor: User, process: Process, reason: str, lesson: capture.Entry | None = None
) -> Process:
    """Cancel the process, with a public reason. A failure: it needs ``lesson`` — what the
    cancellation teaches, or why there is nothing to learn (see :mod:`openbuy.lessons.capture`)."""
    return _decide(
        actor=actor,
        process=process,
        reason=reason,
        event=Event.CANCEL,
        state=Process.State.CANCELLED,
        kind=ProcessEvent.Kind.CANCELLED,
        verb="Cancelled",
        failure=Capture.Kind.CANCELLED,
        lesson=lesson,
    )


def process_unsuccessful(
    *,
    actor: User,
    process: Process,
    reason: str,
    lesson: capture.Entry | None = None,
    captured: bool = False,
) -> Process:
    """Close the process without an award, with a public reason. A failure: it needs ``lesson``,
    as :func:`process_cancel` does.

    ``captured=True`` is for a caller that has recorded the failure's lesson itself, in the same
    transaction: the stage gate (``evaluation.services.gate_decide``) ends the process this way
    when nobody continues, and its own capture (the stops) covers it — one failure, one lesson.
    ``lesson`` is then ignored. Pages and the API never pass it."""
    return _decide(
        actor=actor,
        process=process,
        reason=reason,
        event=Event.UNSUCCESSFUL,
        state=Process.State.UNSUCCESSFUL,
        kind=ProcessEvent.Kind.UNSUCCESSFUL,
        verb="Closed without an award",
        failure="" if captured else Capture.Kind.UNSUCCESSFUL,
        lesson=lesson,
    )


def process_award(*, actor: User, process: Process, summary: str) -> Process:
    """Mark the process awarded (the evaluation app records the award itself and calls this
    inside its own transaction)."""
    return _decide(
        actor=actor,
        process=process,
        reason=summary,
        event=Event.AWARD,
        state=Process.State.AWARDED,
        kind=ProcessEvent.Kind.AWARDED,
        verb="Awarded",
    )


# --- clarification questions ------------------------------------------------------------------


def question_ask(*, actor: User, process: Process, text: str) -> Question:
    """A supplier asks. Nobody is told who: the buyer hears that a question is waiting."""
    _require(actor, "processes.ask", None, "Only people from supplier organisations can ask.")
    moderation.ensure_can_post(actor)
    text = _text(text, "question")
    recent = Question.objects.filter(asker=actor, asked_at__gte=moderation.since("question"))
    moderation.check_rate(actor, "question", recent.count())
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        status = _status(process, now)
        if status != Status.QUESTIONS:
            raise ValidationError(
                {"question": "The enquiry period has ended: questions can no longer be asked"}
                if status in (Status.SUBMISSIONS, Status.CLOSED)
                else "This process is not taking questions."
            )
        question = Question.objects.create(
            process=process, phase=process.phase, asker=actor, text=text, asked_at=now
        )
        # Private: the chain proves when it was asked without telling the public who asked.
        audit.record(
            actor=actor,
            action="process.question_asked",
            obj=question,
            organisation_id=process.organisation_id,
            summary=f"A question was asked about “{process.title}”",
            public=False,
        )
        _tell(
            _buyers(process),
            f"A supplier asked a question about “{process.title}”",
            url(process, "questions/"),
            exclude=actor.pk,
        )
    return question


def question_withdraw(*, actor: User, question: Question) -> Question:
    with transaction.atomic():
        # A question unanswered at the deadline has already moved it on, whether or not
        # anything settled the process yet: settle first, so withdrawing cannot undo that.
        locked = lock(question.process)
        now = clock.now()
        settle(locked, now)
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.asker_id != actor.pk:
            raise PermissionDenied("Only the person who asked can withdraw a question.")
        if question.state != Question.State.OPEN:
            raise ValidationError("Only a question still waiting for an answer can be withdrawn.")
        question.state = Question.State.WITHDRAWN
        question.withdrawn_at = now
        question.save(update_fields=["state", "withdrawn_at"])
    return question


def question_answer(*, actor: User, question: Question, answer: str) -> Question:
    """Publish the answer to everyone at once, and tell followers and everyone bidding."""
    process = question.process
    _require_runner(actor, process)
    answer = _text(answer, "answer")
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        settle(process, now)
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.state != Question.State.OPEN:
            raise ValidationError("This question has already been answered or withdrawn.")
        if _status(process, now) not in (Status.QUESTIONS, Status.SUBMISSIONS, Status.CLOSED):
            raise ValidationError("Questions can no longer be answered on this process.")
        question.state = Question.State.ANSWERED
        question.answer = answer
        question.answered_at = now
        question.answered_by = actor
        question.save(update_fields=["state", "answer", "answered_at", "answered_by"])
        number = process.questions.filter(state=Question.State.ANSWERED).count()
        _event(
            process,
            ProcessEvent.Kind.ANSWERED,
            f"Clarification {number} was answered",
            actor=actor,
            after={"question": question.pk},
        )
        _audit(
            actor,
            process,
            "process.question_answered",
            f"{actor} answered a question about “{process.title}”",
            after={"question": question.pk},
        )
        _tell(
            _followers(process) | starters(process) | {question.asker_id},
            f"A question about “{process.title}” was answered",
            url(process, f"questions/#question-{question.pk}"),
            exclude=actor.pk,
        )
    return question


# --- sealed submissions -----------------------------------------------------------------------


def _may_enter(process: Process, phase: Phase, organisation: Organisation) -> None:
    if phase.number == 1:
        return
    invited = Invitation.objects.filter(
        phase=phase, organisation=organisation, state=Invitation.State.ACCEPTED
    ).exists()
    if not invited:
        raise PermissionDenied(
            f"Phase {phase.number} takes only the suppliers invited forward from phase "
            f"{phase.number - 1} who accepted."
        )


def _late(process: Process, status: Status) -> ValidationError:
    if status in (Status.CLOSED, Status.EVALUATION):
        deadline = process.phase.due
        return ValidationError(
            f"The deadline passed at {local(deadline, '%H:%M')} on {local(deadline, '%d %B %Y')}: "
            "submissions can no longer be made or changed."
        )
    return ValidationError("This process is not taking submissions.")


def _check_open_for(process: Process, now: datetime) -> None:
    settle(process, now)
    status = _status(process, now)
    if not lifecycle.allowed(status, Event.SUBMIT):
        raise _late(process, status)


def submission_content(submission: Submission) -> dict:
    """The unsealed content. Callers are the selectors, which check who may read it."""
    return sealing.unseal_json(
        submission.sealed,
        process_id=submission.phase.process_id,
        organisation_id=submission.organisation_id,
    )


def _clean_answers(process: Process, answers: dict) -> dict[str, str]:
    clean = {}
    for criterion in process.criteria.exclude(kind=Criterion.Kind.PRICE):
        text = str(answers.get(str(criterion.number)) or answers.get(criterion.number) or "")
        text = text.replace("\r\n", "\n").strip()
        if len(text) > LIMITS["response"]:
            raise ValidationError(
                {f"answers.{criterion.number}": "An answer must be 20,000 characters or fewer"}
            )
        clean[str(criterion.number)] = text
    return clean


def _file_entry(upload, field: str) -> tuple[dict, bytes]:
    name = (getattr(upload, "name", "") or "file")[-200:]
    if upload.size > settings.SUBMISSION_FILE_MAX_BYTES:
        limit = settings.SUBMISSION_FILE_MAX_BYTES // (1024 * 1024)
        raise ValidationError({field: f"“{name}” is too big: files must be {limit} MB or smaller"})
    if upload.size == 0:
        raise ValidationError({field: f"“{name}” is empty"})
    data = upload.read()
    content_type = sniff(data[:2048], name)
    if content_type is None:
        kinds_ = ", ".join(t.split("/")[1].upper() for t in ATTACHMENT_TYPES)
        raise ValidationError({field: f"“{name}” must be one of: {kinds_}"})
    entry = {
        "name": name,
        "type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return entry, data


def submission_save(
    *,
    actor: User,
    process: Process,
    organisation: Organisation,
    answers: dict,
    price=None,
    lot: Lot | None = None,
    add_files: Sequence = (),
    remove_files: Sequence[str] = (),
    submit: bool = False,
) -> Submission:
    """Write a supplier's draft or submission, sealed. With ``submit`` it is submitted (or
    its revision resubmitted) and a new receipt issued; a submitted one changes only that way.
    """
    _require(
        actor,
        "processes.submit_for",
        organisation,
        f"Only supplier staff of {organisation} can submit for it.",
    )
    moderation.ensure_can_post(actor)
    if lot is not None and lot.process_id != process.pk:
        raise ValidationError({"lot": "Choose one of this tender's lots"})
    if lot is None and process.lots.exists():
        raise ValidationError({"lot": "Choose the lot this submission is for"})
    answers = _clean_answers(process, answers or {})
    price_value = money(price, "price")
    if len(add_files) > MAX_FILES:  # before reading any of them into memory
        raise ValidationError({"files": f"Attach at most {MAX_FILES} files"})
    uploads = [_file_entry(upload, "files") for upload in add_files]
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        _check_open_for(process, now)
        phase = process.phase
        _may_enter(process, phase, organisation)
        submission = (
            Submission.objects.select_for_update()
            .filter(phase=phase, lot=lot, organisation=organisation)
            .first()
        )
        content: dict[str, Any]
        if submission is None:
            content = {"answers": {}, "price": None, "files": []}
        else:
            content = submission_content(submission)
            if submission.state == Submission.State.SUBMITTED and not submit:
                raise ValidationError(
                    "This has been submitted: submit your changes as a revision, or withdraw it."
                )
        kept = [f for f in content["files"] if f["id"] not in set(remove_files)]
        if len(kept) + len(uploads) > MAX_FILES:
            raise ValidationError({"files": f"Attach at most {MAX_FILES} files"})
        content = {
            "process": process.pk,
            "phase": phase.number,
            "lot": lot.number if lot else None,
            "organisation": organisation.name,
            "answers": answers,
            "price": str(price_value) if price_value is not None else None,
            "currency": process.currency,
            "files": kept,
        }
        if submission is None:
            submission = Submission(
                phase=phase, lot=lot, organisation=organisation, started_by=actor, created_at=now
            )
            submission.sealed = b""
            try:
                with transaction.atomic():
                    submission.save()
            except IntegrityError:
                raise ValidationError(
                    "Someone else from your organisation started this submission at the same "
                    "moment. Reload the page to see it."
                ) from None
        else:
            SubmissionFile.objects.filter(
                submission=submission, public_id__in=[str(x) for x in remove_files]
            ).delete()
        for entry, data in uploads:
            stored = SubmissionFile.objects.create(
                submission=submission,
                sealed=sealing.seal(
                    data,
                    process_id=process.pk,
                    organisation_id=organisation.pk,
                    what="file",
                ),
                created_at=now,
            )
            content["files"].append({"id": stored.public_id, **entry})
        if submit:
            _check_complete(process, content)
        submission.sealed = sealing.seal_json(
            content, process_id=process.pk, organisation_id=organisation.pk
        )
        submission.updated_at = now
        if submit:
            submission.state = Submission.State.SUBMITTED
            submission.submitted_at = now
            submission.receipt = sealing.receipt(content)
        elif submission.state == Submission.State.WITHDRAWN:
            submission.state = Submission.State.DRAFT  # worked on again after withdrawing
        submission.save()
        if submit:
            _issue_receipt(actor, process, submission, withdrawn=False)
    return submission


def _check_complete(process: Process, content: dict) -> None:
    missing = [
        f"answers.{c.number}"
        for c in process.criteria.exclude(kind=Criterion.Kind.PRICE)
        if not content["answers"].get(str(c.number))
    ]
    if missing:
        raise ValidationError(
            {field: "Answer this criterion before submitting" for field in missing}
        )
    if process.criteria.filter(kind=Criterion.Kind.PRICE).exists() and content["price"] is None:
        raise ValidationError({"price": "Enter your price before submitting"})


def _issue_receipt(actor: User, process: Process, submission: Submission, *, withdrawn: bool):
    Receipt.objects.create(
        submission=submission, sha256=submission.receipt, issued_at=clock.now(), withdrawn=withdrawn
    )
    # Nothing goes in the audit chain yet: even a private event with no process named would
    # leave a gap in the public chain that could be counted. Every receipt, with its time, is
    # recorded in the public opening event instead (see phase_open).
    link = reverse("processes:submission", args=[process.pk])
    if withdrawn:
        message = f"Your submission to “{process.title}” was withdrawn"
    else:
        message = f"Your submission to “{process.title}” is sealed. Receipt: {submission.receipt}"
    _tell({actor.pk}, message, link, exclude=None)
    if actor.email:
        body = (
            f"{message}\n\n"
            "Keep this receipt: it is the SHA-256 of exactly what you sent. When the submissions "
            "are opened after the deadline, anyone can check it against what was opened at\n"
            f"{settings.SITE_URL}{reverse('processes:receipt')}?sha256={submission.receipt}\n\n"
            f"Your submission: {settings.SITE_URL}{link}\n"
        )
        transaction.on_commit(
            lambda: send_email.enqueue(
                subject=f"{'Withdrawn' if withdrawn else 'Sealed'}: {process.title}",
                body=body,
                to=[actor.email],
            )
        )


def submission_withdraw(*, actor: User, submission: Submission) -> Submission:
    organisation = submission.organisation
    _require(
        actor, "processes.submit_for", organisation, "Only its own organisation can withdraw it."
    )
    with transaction.atomic():
        process = lock(submission.phase.process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        _check_open_for(process, now)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.phase_id != process.current_phase_id:
            raise ValidationError("This submission belongs to a phase that has closed.")
        if submission.state != Submission.State.SUBMITTED:
            raise ValidationError("Only a submitted submission can be withdrawn.")
        submission.state = Submission.State.WITHDRAWN
        submission.updated_at = now
        submission.save(update_fields=["state", "updated_at"])
        _issue_receipt(actor, process, submission, withdrawn=True)
    return submission


def file_content(submission: Submission, file_id: str) -> tuple[dict, bytes]:
    """One attachment's description and bytes (callers check who may read it)."""
    content = submission.opened or submission_content(submission)
    entry = next((f for f in content["files"] if f["id"] == str(file_id)), None)
    stored = SubmissionFile.objects.filter(submission=submission, public_id=str(file_id)).first()
    if entry is None or stored is None:
        raise SubmissionFile.DoesNotExist
    data = sealing.unseal(
        stored.sealed,
        process_id=submission.phase.process_id,
        organisation_id=submission.organisation_id,
        what="file",
    )
    return entry, data


# --- opening, invitations, next phase ---------------------------------------------------------


def phase_open(*, actor: User, process: Process) -> Phase:
    """Open the current phase's submissions, after its deadline: an audited, public event.

    Each submitted one is unsealed and its receipt recomputed from what was opened; from now
    on receipts are public and anyone can check theirs. Drafts never submitted stay sealed.
    """
    _require_runner(actor, process)
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        settle(process, now)
        status = _status(process, now)
        if status in (Status.QUESTIONS, Status.SUBMISSIONS):
            raise ValidationError("Submissions can be opened only after the deadline has passed.")
        _move(process, Event.OPEN, now)
        phase = process.phase
        submitted = list(
            Submission.objects.select_for_update().filter(
                phase=phase, state=Submission.State.SUBMITTED
            )
        )
        receipts = []
        history = [
            {
                "organisation": r.submission.organisation.name,
                "receipt": r.sha256,
                "issued_at": r.issued_at.isoformat(),
                "withdrawn": r.withdrawn,
            }
            for r in Receipt.objects.filter(submission__phase=phase)
            .select_related("submission__organisation")
            .order_by("issued_at", "id")
        ]
        for submission in submitted:
            content = submission_content(submission)
            submission.opened = content
            submission.verified = sealing.receipt(content) == submission.receipt
            submission.save(update_fields=["opened", "verified"])
            receipts.append(
                {"organisation": submission.organisation.name, "receipt": submission.receipt}
            )
        phase.opened_at = now
        phase.opened_by = actor
        phase.save(update_fields=["opened_at", "opened_by"])
        process.state = Process.State.EVALUATING
        process.updated_at = now
        process.save(update_fields=["state", "updated_at"])
        _event(
            process,
            ProcessEvent.Kind.OPENED,
            f"{actor} opened the submissions to phase {phase.number}: {len(submitted)} received",
            actor=actor,
            after={"phase": phase.number, "submissions": receipts},
        )
        _audit(
            actor,
            process,
            "process.opened",
            f"{actor} opened {len(submitted)} submissions to “{process.title}”",
            after={"phase": phase.number, "submissions": receipts, "receipts_issued": history},
        )
        bidders = {s.started_by_id for s in submitted}
        _tell(
            _followers(process) | bidders,
            f"The submissions to “{process.title}” were opened",
            url(process),
            exclude=actor.pk,
        )
    return phase


def _next_phase(process: Process) -> Phase:
    phase = process.phases.filter(number=process.phase.number + 1).first()
    if phase is None:
        raise ValidationError("This is the last phase: there is no phase to take suppliers to.")
    return phase


def invite(*, actor: User, process: Process, organisations: Sequence[Organisation]) -> list:
    """Take suppliers forward from the opened phase to the next, up to its number."""
    _require_runner(actor, process)
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        _move(process, Event.INVITE, now)
        current = process.phase
        nxt = _next_phase(process)
        bidders = set(
            Submission.objects.filter(phase=current, state=Submission.State.SUBMITTED).values_list(
                "organisation_id", flat=True
            )
        )
        unique = list({o.pk: o for o in organisations}.values())
        chosen = [o for o in unique if o.pk in bidders]
        if len(chosen) != len(unique) or not chosen:
            raise ValidationError(
                {"organisations": "Choose among the suppliers who submitted to this phase"}
            )
        gates.forward(current, chosen)
        standing = Invitation.objects.filter(phase=nxt).exclude(
            state__in=[Invitation.State.REVOKED, Invitation.State.DECLINED]
        )
        already = set(standing.values_list("organisation_id", flat=True))
        new = [o for o in chosen if o.pk not in already]
        if current.take_forward and len(already) + len(new) > current.take_forward:
            raise ValidationError(
                {
                    "organisations": f"Phase {current.number} takes at most "
                    f"{current.take_forward} suppliers forward"
                }
            )
        made = []
        for organisation in new:
            invitation, _ = Invitation.objects.update_or_create(
                phase=nxt,
                organisation=organisation,
                defaults={
                    "state": Invitation.State.PENDING,
                    "invited_by": actor,
                    "created_at": now,
                    "decided_at": None,
                    "reason": "",
                },
            )
            made.append(invitation)
        names = ", ".join(o.name for o in new)
        _event(
            process,
            ProcessEvent.Kind.INVITED,
            f"Invited to phase {nxt.number}: {names}",
            actor=actor,
            after={"phase": nxt.number, "organisations": [o.name for o in new]},
        )
        _audit(
            actor,
            process,
            "process.invited",
            f"{actor} invited {names} to phase {nxt.number} of “{process.title}”",
        )
        members = Membership.objects.filter(
            organisation__in=new, role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN]
        ).values_list("user_id", flat=True)
        _tell(
            set(members),
            f"You are invited to phase {nxt.number} of “{process.title}”",
            reverse("processes:invitations"),
            exclude=actor.pk,
        )
    return made


def invitation_respond(*, actor: User, invitation: Invitation, accept: bool) -> Invitation:
    _require(
        actor,
        "processes.submit_for",
        invitation.organisation,
        "Only the invited organisation can answer this invitation.",
    )
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state != Invitation.State.PENDING:
            raise ValidationError("This invitation has already been answered or revoked.")
        invitation.state = Invitation.State.ACCEPTED if accept else Invitation.State.DECLINED
        invitation.decided_at = clock.now()
        invitation.save(update_fields=["state", "decided_at"])
        process = invitation.phase.process
        _audit(
            actor,
            process,
            f"process.invitation_{invitation.state}",
            f"{invitation.organisation} {invitation.state} the invitation to phase "
            f"{invitation.phase.number} of “{process.title}”",
        )
    return invitation


def invitation_revoke(*, actor: User, invitation: Invitation, reason: str) -> Invitation:
    process = invitation.phase.process
    _require_runner(actor, process)
    reason = _text(reason, "reason")
    with transaction.atomic():
        locked = lock(process)  # the process first, as everywhere else
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state not in (Invitation.State.PENDING, Invitation.State.ACCEPTED):
            raise ValidationError("Only a standing invitation can be revoked.")
        # Only before the phase starts: afterwards a revocation could reveal (by failing or not)
        # whether the supplier has a sealed draft, and would take away a place mid-competition.
        if locked.phase.number >= invitation.phase.number:
            raise ValidationError("The phase has started: its invitations can no longer change.")
        invitation.state = Invitation.State.REVOKED
        invitation.decided_at = clock.now()
        invitation.reason = reason
        invitation.save(update_fields=["state", "decided_at", "reason"])
        _event(
            locked,
            ProcessEvent.Kind.INVITED,
            f"Invitation of {invitation.organisation} to phase {invitation.phase.number} "
            f"revoked: {reason}",
            actor=actor,
            note=reason,
        )
        _audit(
            actor,
            locked,
            "process.invitation_revoked",
            f"{actor} revoked the invitation of {invitation.organisation} to phase "
            f"{invitation.phase.number}: {reason}",
        )
        members = Membership.objects.filter(
            organisation=invitation.organisation,
            role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
        ).values_list("user_id", flat=True)
        _tell(
            set(members),
            f"Your invitation to phase {invitation.phase.number} of “{locked.title}” was "
            f"revoked: {reason}",
            reverse("processes:invitations"),
            exclude=actor.pk,
        )
    return invitation


def phase_start_next(*, actor: User, process: Process) -> Process:
    """Start the next phase for the suppliers taken forward."""
    _require_runner(actor, process)
    with transaction.atomic():
        process = lock(process)
        now = clock.now()  # after the lock: a write that waited is judged when it runs
        _move(process, Event.NEXT_PHASE, now)
        nxt = _next_phase(process)
        gates.forward(process.phase)
        earliest = now + timedelta(days=process.amendment_days)
        if nxt.deadline is None or nxt.deadline < earliest:
            raise ValidationError(
                {
                    "deadline": f"Set phase {nxt.number}'s deadline at least "
                    f"{process.amendment_days} days from now first, so the suppliers taken "
                    "forward have time to answer"
                }
            )
        if nxt.enquiry_end is None or nxt.enquiry_end <= now:
            nxt.enquiry_end = min(nxt.deadline, now + timedelta(days=process.question_days))
            nxt.save(update_fields=["enquiry_end"])
        if not nxt.invitations.filter(
            state__in=[Invitation.State.PENDING, Invitation.State.ACCEPTED]
        ).exists():
            raise ValidationError("Invite at least one supplier forward first.")
        process.current_phase = nxt
        process.state = Process.State.LIVE
        process.updated_at = now
        process.save(update_fields=["current_phase", "state", "updated_at"])
        _event(
            process,
            ProcessEvent.Kind.NEXT_PHASE,
            f"Phase {nxt.number} ({nxt.title}) started: submissions until {local(nxt.deadline)}",
            actor=actor,
            after={"phase": nxt.number, "deadline": nxt.deadline.isoformat()},
        )
        _audit(
            actor,
            process,
            "process.next_phase",
            f"{actor} started phase {nxt.number} of “{process.title}”",
        )
        invited = Membership.objects.filter(
            organisation__invitations__phase=nxt,
            organisation__invitations__state__in=[
                Invitation.State.PENDING,
                Invitation.State.ACCEPTED,
            ],
            role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
        ).values_list("user_id", flat=True)
        _tell(
            _followers(process) | set(invited),
            f"Phase {nxt.number} of “{process.title}” has started",
            url(process),
            exclude=actor.pk,
        )
    return process
