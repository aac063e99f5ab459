"""Generated procurement processes of every kind (tenders, some in lots; challenges; staged
competitions) in every state, each with the specification it publishes, and everything the
services would have left behind on the way: the public timeline, clarification questions,
sealed submissions with their receipts, the panel's declarations and scores, stage gates and
invitations, awards (or prizes) with their standstill, contracts with milestones, outcomes and
amendments, and the bidders' ratings of the buyer.

Each process is planned as a timeline first (phase by phase: enquiries, deadline, opening,
decision) and then placed so that the data's "now" falls where its state says: in the enquiry
period of a live process, after the award of an awarded one, and so on. So the status the
application works out from the dates always agrees with the stored state, and a submission is
opened only when its phase was opened after the deadline: the others stay sealed, encrypted with
the process's key by :mod:`openbuy.processes.sealing`, exactly as the services store them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from openbuy.accounts.models import Organisation
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.demo.generate import specifications, words
from openbuy.demo.generate.context import DAY, HOUR, Buyer, Context, Failure, Supplier, between
from openbuy.evaluation import scoring
from openbuy.evaluation.models import (
    Award,
    Declaration,
    Evaluator,
    GateDecision,
    Moderation,
    Prize,
    Rating,
    Score,
)
from openbuy.lessons.models import Capture, Stage
from openbuy.processes import kinds, sealing
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
)
from openbuy.processes.services import local
from openbuy.specifications.models import Specification

K = ProcessEvent.Kind
KINDS = [("tender", 60), ("challenge", 20), ("staged", 20)]
# What each process has come to by now. "withdrawn-draft" is a draft cancelled before publication.
STATES = [
    ("draft", 8),
    ("withdrawn-draft", 3),
    ("live", 25),
    ("evaluating", 14),
    ("awarded", 36),
    ("unsuccessful", 7),
    ("cancelled", 7),
]
CRITERIA = {
    "tender": [
        [("quality", "Quality of the proposed approach", 60), ("price", "Price", 30),
         ("social_value", "Social value", 10)],
        [("quality", "Quality of the proposed approach", 50), ("price", "Price", 30),
         ("social_value", "Social value", 20)],
        [("quality", "Quality and delivery plan", 40), ("price", "Price", 40),
         ("social_value", "Social value", 20)],
    ],
    "challenge": [
        [("quality", "How well it solves the problem", 70), ("social_value", "Social value", 30)],
        [("quality", "How well it solves the problem", 60), ("social_value", "Social value", 40)],
    ],
    "staged": [
        [("quality", "Quality and feasibility", 60), ("price", "Value for money", 20),
         ("social_value", "Social value", 20)],
    ],
}  # fmt: skip
GOOD = "A clear plan with evidence from similar work, and credible measures of success."
FAIR = "A reasonable approach; the risks are named but not all of them are addressed."
POOR = "Does not say how the outcome would be measured or who would do the work."
SIZE_WEIGHTS = {"micro": 1.0, "small": 1.5, "medium": 2.0, "large": 3.0}
STAGE_ORDER = ["draft", "questions", "submissions", "closed", "opened", "decided"]


@dataclass(slots=True)
class PhaseRow:
    id: int
    number: int
    title: str
    budget: Decimal | None
    start: datetime
    enquiry_end: datetime
    deadline: datetime
    opened: datetime
    decided: datetime


@dataclass(slots=True)
class Bid:
    submission: int
    public_id: str
    supplier: Supplier
    lot: int | None  # lot id
    price: Decimal | None
    receipt: str
    submitted_at: datetime | None
    quality: float = 0.0  # how good it is, for ranking it
    # The panel's scores per criterion id, and the moderated score if any.
    marks: dict[int, tuple[list[Decimal], Decimal | None]] = field(default_factory=dict)
    total: Decimal | None = None  # worked out for the award, as the evaluation pages do


@dataclass
class Run:
    """One process being written: its rows so far and the moments that matter."""

    id: int
    kind: str
    buyer: Buyer
    runner: int
    title: str
    theme: int
    area: int
    value: Decimal
    cut: datetime  # nothing happens after this: now, or the cancellation
    criteria: list[tuple[int, int, str, int]] = field(default_factory=list)  # id, n, kind, w
    lots: list[tuple[int, int, Decimal]] = field(default_factory=list)  # id, number, value
    events: list[tuple] = field(default_factory=list)
    panel: list[tuple[int, int]] = field(default_factory=list)  # evaluator id, user
    # The organisations with an opened submission, who may rate the buyer after the award.
    bidders: dict[int, Supplier] = field(default_factory=dict)


def _tables(ctx: Context) -> dict[str, Any]:
    w = ctx.writer
    return {
        "process": w.table(
            Process, "id", "organisation", "specification", "spec_version", "kind", "title",
            "summary", "area", "value_amount", "currency", "how_to_enter", "state",
            "current_phase", "amendment_days", "question_days", "decision_reason", "created_by",
            "created_at", "updated_at", "published_at",
        ),
        "phase": w.table(
            Phase, "id", "process", "number", "title", "description", "budget_amount",
            "take_forward", "success_criteria", "kill_criteria", "enquiry_end", "deadline",
            "evaluation_date", "decision_date", "opened_at", "opened_by",
        ),
        "lot": w.table(Lot, "id", "process", "number", "title", "description", "value_amount"),
        "criterion": w.table(
            Criterion, "id", "process", "number", "kind", "name", "description", "weight"
        ),
        "event": w.table(
            ProcessEvent, "id", "process", "kind", "at", "actor", "summary", "note", "before",
            "after",
        ),
        "question": w.table(
            Question, "id", "process", "phase", "asker", "text", "asked_at", "state", "answer",
            "answered_at", "answered_by", "withdrawn_at",
        ),
        "submission": w.table(
            Submission, "id", "public_id", "phase", "lot", "organisation", "started_by", "state",
            "sealed", "receipt", "created_at", "updated_at", "submitted_at", "opened", "verified",
        ),
        "receipt": w.table(Receipt, "id", "submission", "sha256", "issued_at", "withdrawn"),
        "invitation": w.table(
            Invitation, "id", "phase", "organisation", "state", "invited_by", "created_at",
            "decided_at", "reason",
        ),
        "evaluator": w.table(Evaluator, "id", "process", "user", "kind", "added_by", "added_at"),
        "declaration": w.table(
            Declaration, "id", "evaluator", "submission", "has_conflict", "details", "declared_at"
        ),
        "score": w.table(
            Score, "id", "evaluator", "submission", "criterion", "score", "justification",
            "scored_at", "updated_at",
        ),
        "moderation": w.table(
            Moderation, "id", "submission", "criterion", "score", "reason", "moderated_by",
            "moderated_at",
        ),
        "gate": w.table(
            GateDecision, "id", "phase", "submission", "decision", "reason", "decided_by",
            "decided_at",
        ),
        "award": w.table(
            Award, "id", "process", "submission", "lot", "value_amount", "currency", "rationale",
            "below_top_reason", "total", "decided_by", "decided_at", "standstill_ends",
        ),
        "prize": w.table(
            Prize, "id", "process", "submission", "place", "amount", "currency", "reason",
            "decided_by", "decided_at",
        ),
        "rating": w.table(
            Rating, "id", "process", "organisation", "clarity", "answers", "debrief",
            "timeliness", "comment", "rated_by", "rated_at",
        ),
        "contract": w.table(
            Contract, "id", "award", "process", "supplier", "title", "value_amount", "currency",
            "starts_on", "ends_on", "status", "signed_at", "signed_by", "ended_at",
            "termination_reason",
        ),
        "milestone": w.table(
            Milestone, "id", "contract", "number", "title", "acceptance_criteria", "due_on",
            "status", "decided_at", "decided_by", "note",
        ),
        "outcome": w.table(
            Outcome, "id", "contract", "name", "unit", "target", "actual", "measured_at"
        ),
        "amendment": w.table(
            Amendment, "id", "contract", "value_change", "reason", "made_by", "made_at"
        ),
    }  # fmt: skip


def run(ctx: Context) -> None:
    rng = ctx.rng("processes")
    tables = _tables(ctx)
    weights = [SIZE_WEIGHTS[s.size] for s in ctx.suppliers]
    for index in range(ctx.scale.processes):
        _process(ctx, tables, rng, weights, index)
        ctx.advance(1)
    ctx.writer.flush()


def _money(value: float) -> Decimal:
    return Decimal(int(value)).quantize(Decimal("0.01"))


def _schedule(rng: random.Random, count: int) -> list[dict[str, timedelta]]:
    """Each phase's moments, counted from publication."""
    moments, start = [], timedelta(0)
    for _ in range(count):
        enquiry_end = start + rng.randint(7, 14) * DAY
        deadline = enquiry_end + rng.randint(14, 28) * DAY
        opened = deadline + rng.randint(3, 120) * HOUR
        decided = opened + rng.randint(7, 25) * DAY
        moments.append(
            {
                "start": start,
                "enquiry_end": enquiry_end,
                "deadline": deadline,
                "opened": opened,
                "decided": decided,
            }
        )
        start = decided + rng.randint(2, 10) * DAY
    return moments


def _window(rng: random.Random, moments: dict[str, timedelta], stage: str) -> timedelta:
    """A moment, counted from publication, when the current phase is at ``stage``."""
    low, high = {
        "questions": (moments["start"] + HOUR, moments["enquiry_end"] - HOUR),
        "submissions": (moments["enquiry_end"] + HOUR, moments["deadline"] - HOUR),
        "closed": (moments["deadline"] + HOUR, moments["opened"] - HOUR),
        "opened": (moments["opened"] + HOUR, moments["decided"] - HOUR),
    }[stage]
    if high <= low:
        return low
    return low + timedelta(seconds=rng.randint(0, int((high - low).total_seconds())))


def _process(
    ctx: Context, t: dict[str, Any], rng: random.Random, weights: list[float], index: int
) -> None:
    kind, state = words.pick(rng, KINDS), words.pick(rng, STATES)
    if index < len(KINDS) * len(STATES):  # the first ones: every kind in every state
        kind, state = KINDS[index % len(KINDS)][0], STATES[index % len(STATES)][0]
    rules = kinds.rules_for(kind)
    count = {
        "tender": 1,
        "challenge": rng.choice([1, 2, 2, 2, 3]),
        "staged": rng.choice([2, 3, 3]),
    }[kind]
    buyer = ctx.buyer(rng)
    theme = rng.randrange(len(words.THEMES))
    town = rng.choice(words.TOWNS)
    value = _money(rng.choice([12, 25, 40, 80, 150, 300, 600, 1500, 4000]) * 1000)
    # Where the process is now: its current phase, and how far that phase has gone.
    current, stage = 1, "draft"
    gate_stop = False
    if state == "live":
        current = rng.randint(1, count) if rng.random() < 0.3 else 1
        stage = rng.choice(["questions", "submissions", "submissions", "closed"])
    elif state == "evaluating":
        current, stage = rng.randint(1, count), "opened"
    elif state == "awarded":
        current, stage = count, "decided"
    elif state == "unsuccessful":
        gate_stop = count > 1 and rng.random() < 0.5
        current = rng.randint(1, count - 1) if gate_stop else count
        stage = "decided"
    elif state == "cancelled":
        current = rng.randint(1, count)
        stage = rng.choice(["questions", "submissions", "closed", "opened"])
    plan = _schedule(rng, count)
    published = None
    if stage != "draft":
        point = plan[current - 1]["decided"] if stage == "decided" else None
        point = point or _window(rng, plan[current - 1], stage)
        after = rng.randint(1, 800) * DAY if stage == "decided" else timedelta(0)
        if state in ("cancelled", "unsuccessful"):
            after = rng.randint(1, 600) * DAY
        published = ctx.anchor - point - after - rng.randint(0, 3600) * timedelta(seconds=1)
        cut = published + point if state == "cancelled" else ctx.anchor
        created = published - rng.randint(5, 30) * DAY
    elif state == "draft":
        created = ctx.anchor - rng.randint(1, 60) * DAY
        cut = ctx.anchor
    else:  # a draft cancelled before publication
        created = ctx.anchor - rng.randint(30, 700) * DAY
        cut = min(created + rng.randint(5, 60) * DAY, ctx.anchor - HOUR)
    # The specification it publishes (frozen before publication), and the process itself.
    spec_created = created - rng.randint(10, 60) * DAY
    frozen = published is not None or rng.random() < 0.7
    frozen_at = between(rng, created, (published or cut) - HOUR) if frozen else ctx.anchor
    amended = None
    if published is not None and rng.random() < 0.06:
        amended = published + rng.randint(1, 3) * DAY
        if amended >= cut:
            amended = None
    spec_title = words.spec_title(rng, words.THEMES[theme], town)
    summary = words.spec_summary(rng, words.THEMES[theme], town)
    written = specifications.write(
        ctx,
        rng,
        buyer=buyer,
        theme=theme,
        title=spec_title,
        summary=summary,
        value=value,
        created=spec_created,
        until=frozen_at,
        edits=1,
        suggestions=rng.choice([0, 0, 0, 1, 2]),
        status=(
            Specification.Status.PUBLISHED
            if published is not None
            else Specification.Status.FROZEN
            if frozen
            else Specification.Status.DRAFTING
        ),
        published_at=published,
        amended_at=amended,
    )
    pk = t["process"].new_id()
    runner = rng.choice(buyer.officers)
    run = Run(
        pk,
        kind,
        buyer,
        runner,
        spec_title,
        theme,
        ctx.areas[words.THEMES[theme].division],
        value,
        cut,
    )
    actor = ctx.names[runner]
    run.events.append((created, K.CREATED, runner, f"{actor} drafted this process", "", {}, {}))
    for number, (ckind, name, weight) in enumerate(rng.choice(CRITERIA[kind]), start=1):
        cid = t["criterion"].new_id()
        description = "Local jobs and apprenticeships." if ckind == "social_value" else ""
        t["criterion"].add(cid, pk, number, ckind, name, description, weight)
        run.criteria.append((cid, number, ckind, weight))
    if kind == "tender" and rng.random() < 0.2:
        lots = rng.randint(2, 4)
        for number in range(1, lots + 1):
            lot_value = _money(float(value) / lots)
            lot_id = t["lot"].new_id()
            t["lot"].add(
                lot_id,
                pk,
                number,
                f"{rng.choice(words.TOWNS)} area",
                f"{words.capitalised(words.THEMES[theme].service)} in one part of the area.",
                lot_value,
            )
            run.lots.append((lot_id, number, lot_value))
    # Phases, with their dates: planned from publication (or a planned one, for a draft).
    base = published
    if base is None:
        base = ctx.anchor + rng.randint(10, 40) * DAY if state == "draft" else cut + 30 * DAY
    planned = published is not None or rng.random() < 0.6
    phases: list[PhaseRow] = []
    for number in range(1, count + 1):
        spec = rules.phases[number - 1] if number <= len(rules.phases) else None
        budget = None
        if kind == "staged":
            budget = _money(float(value) * (0.1, 0.3, 0.6)[number - 1])
        row = PhaseRow(
            t["phase"].new_id(),
            number,
            spec.title if spec else f"Phase {number}",
            budget,
            **{k: base + v for k, v in plan[number - 1].items()},
        )
        phases.append(row)
        opened_at = row.opened if published is not None and _opened(row, current, stage) else None
        dated = rng.random() < 0.5
        t["phase"].add(
            row.id,
            pk,
            row.number,
            row.title,
            spec.description if spec else "",
            budget,
            spec.take_forward if spec and row.number < count else None,
            "Residents can use it without help in a supervised trial." if kind == "staged" else "",
            "The cost per use is more than twice the current service." if kind == "staged" else "",
            row.enquiry_end if planned else None,
            row.deadline if planned else None,
            (row.deadline + 7 * DAY).date() if planned and dated else None,
            (row.deadline + 21 * DAY).date() if planned and dated else None,
            opened_at,
            runner if opened_at else None,
        )
    process_state = {
        "draft": Process.State.DRAFT,
        "withdrawn-draft": Process.State.CANCELLED,
        "live": Process.State.LIVE,
        "evaluating": Process.State.EVALUATING,
        "awarded": Process.State.AWARDED,
        "unsuccessful": Process.State.UNSUCCESSFUL,
        "cancelled": Process.State.CANCELLED,
    }[state]
    reason = ""
    if published is not None:
        first = phases[0]
        run.events.append(
            (
                published,
                K.PUBLISHED,
                runner,
                f"Published: questions until {local(first.enquiry_end)}, "
                f"submissions until {local(first.deadline)}",
                "",
                {},
                {
                    "specification_version": written.version_count - (1 if amended else 0),
                    "enquiry_end": first.enquiry_end.isoformat(),
                    "deadline": first.deadline.isoformat(),
                },
            )
        )
        if amended is not None:
            run.events.append(
                (
                    amended,
                    K.AMENDED,
                    runner,
                    f"The specification was amended (version {written.version_count})",
                    "",
                    {"version": written.version_count - 1},
                    {"version": written.version_count},
                )
            )
        reason = _phases(ctx, t, rng, run, phases, current, stage, state, gate_stop, weights)
    if state in ("cancelled", "withdrawn-draft"):
        reason = rng.choice(words.CANCEL_REASONS)
        run.events.append((cut, K.CANCELLED, runner, f"Cancelled: {reason}", reason, {}, {}))
        evaluating = state == "cancelled" and stage == "opened"
        _failure(
            ctx,
            run,
            Capture.Kind.CANCELLED,
            f"“{run.title}” cancelled: {reason}",
            cut,
            Stage.EVALUATION if evaluating else Stage.COMPETITION,
        )
    elif state == "unsuccessful" and not gate_stop:
        reason = rng.choice(words.UNSUCCESSFUL_REASONS)
        at = phases[current - 1].decided
        run.events.append(
            (at, K.UNSUCCESSFUL, runner, f"Closed without an award: {reason}", reason, {}, {})
        )
        _failure(
            ctx,
            run,
            Capture.Kind.UNSUCCESSFUL,
            f"“{run.title}” closed without an award: {reason}",
            at,
            Stage.EVALUATION,
        )
    run.events.sort(key=lambda event: event[0])
    for at, ekind, who, text, note, before, after in run.events:
        t["event"].add(t["event"].new_id(), pk, ekind, at, who, text[:500], note, before, after)
    updated = run.events[-1][0]
    t["process"].add(
        pk,
        buyer.id,
        written.id,
        written.frozen_version if published is not None else None,
        kind,
        spec_title,
        summary,
        run.area,
        value,
        "GBP",
        (
            "Anyone may enter: describe your idea in no more than three pages. The best entries "
            "go to the finals and share the prizes."
            if kind == "challenge"
            else ""
        ),
        process_state,
        phases[current - 1].id,
        settings.PROCESS_AMENDMENT_DAYS,
        settings.PROCESS_QUESTION_DAYS,
        reason,
        runner,
        created,
        updated,
        published,
    )


def _opened(phase: PhaseRow, current: int, stage: str) -> bool:
    """Whether the phase's submissions have been opened, the process being at ``stage`` of its
    ``current`` phase."""
    return phase.number < current or (
        phase.number == current and STAGE_ORDER.index(stage) >= STAGE_ORDER.index("opened")
    )


def _failure(ctx: Context, run: Run, kind: str, label: str, at: datetime, stage: str) -> None:
    ctx.failures.append(
        Failure(
            kind,
            run.buyer.id,
            ctx.content_types["processes.process"],
            run.id,
            label[:300],
            reverse("processes:detail", args=[run.id]),
            run.runner,
            at,
            stage,
            run.area,
            run.theme,
        )
    )


def _phases(
    ctx: Context,
    t: dict[str, Any],
    rng: random.Random,
    run: Run,
    phases: list[PhaseRow],
    current: int,
    stage: str,
    state: str,
    gate_stop: bool,
    weights: list[float],
) -> str:
    """Everything that happened in each phase up to the current one; the decision's reason."""
    entrants: list[Supplier] = []
    answered = 0
    reason = ""
    count = len(phases)
    for phase in phases[:current]:
        last = phase.number == count
        if phase.number > 1:
            run.events.append(
                (
                    phase.start,
                    K.NEXT_PHASE,
                    run.runner,
                    f"Phase {phase.number} ({phase.title}) started: submissions until "
                    f"{local(phase.deadline)}",
                    "",
                    {},
                    {"phase": phase.number, "deadline": phase.deadline.isoformat()},
                )
            )
        answered = _questions(ctx, t, rng, run, phase, answered)
        if phase.number == 1:
            wanted = {"tender": (1, 8), "challenge": (2, 14), "staged": (2, 7)}[run.kind]
            size = min(max(rng.randint(*wanted), len(run.lots)), len(ctx.suppliers))
            entrants = []
            while len(entrants) < size:
                pick = rng.choices(ctx.suppliers, weights=weights)[0]
                if pick not in entrants:
                    entrants.append(pick)
        opened = _opened(phase, current, stage)
        bids = _submissions(ctx, t, rng, run, phase, entrants, opened=opened)
        if not opened:
            continue
        shown = [b for b in bids if b.submitted_at is not None]
        run.events.append(
            (
                phase.opened,
                K.OPENED,
                run.runner,
                f"{ctx.names[run.runner]} opened the submissions to phase {phase.number}: "
                f"{len(shown)} received",
                "",
                {},
                {
                    "phase": phase.number,
                    "submissions": [
                        {"organisation": b.supplier.name, "receipt": b.receipt} for b in shown
                    ],
                },
            )
        )
        run.bidders |= {b.supplier.id: b.supplier for b in shown}
        decided = phase.number < current or stage == "decided"
        _evaluate(ctx, t, rng, run, phase, shown, complete=decided)
        if not decided:
            continue
        stop_all = gate_stop and phase.number == current  # the gate that ended the process
        if not last or stop_all:
            entrants = _gate(ctx, t, rng, run, phase, phases, shown, stop_all=stop_all)
            if stop_all:
                reason = f"Stopped at the gate after phase {phase.number}: no supplier continues."
                run.events.append(
                    (
                        phase.decided,
                        K.UNSUCCESSFUL,
                        run.runner,
                        f"Closed without an award: {reason}",
                        reason,
                        {},
                        {},
                    )
                )
        elif state == "awarded":
            reason = _award(ctx, t, rng, run, phase, shown)
    return reason


def _questions(ctx, t, rng: random.Random, run: Run, phase: PhaseRow, answered: int) -> int:
    """Clarification questions asked in the enquiry period; most answered within days."""
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        asked = between(rng, phase.start + HOUR, min(phase.enquiry_end, run.cut) - HOUR)
        if asked >= run.cut:
            continue
        supplier = rng.choice(ctx.suppliers)
        asker = rng.choice(supplier.members)
        reply = asked + rng.randint(1, 72) * HOUR
        pk = t["question"].new_id()
        if rng.random() < 0.05 and asked + DAY < run.cut:
            t["question"].add(
                pk, run.id, phase.id, asker, rng.choice(words.QUESTIONS), asked,
                Question.State.WITHDRAWN, "", None, None, asked + rng.randint(1, 23) * HOUR,
            )  # fmt: skip
        elif reply < run.cut:
            answered += 1
            t["question"].add(
                pk, run.id, phase.id, asker, rng.choice(words.QUESTIONS), asked,
                Question.State.ANSWERED, rng.choice(words.ANSWERS), reply, run.runner, None,
            )  # fmt: skip
            run.events.append(
                (reply, K.ANSWERED, run.runner, f"Clarification {answered} was answered", "", {},
                 {"question": pk})
            )  # fmt: skip
        else:
            t["question"].add(
                pk, run.id, phase.id, asker, rng.choice(words.QUESTIONS), asked,
                Question.State.OPEN, "", None, None, None,
            )  # fmt: skip
    return answered


def _submissions(
    ctx: Context,
    t: dict[str, Any],
    rng: random.Random,
    run: Run,
    phase: PhaseRow,
    entrants: list[Supplier],
    *,
    opened: bool,
) -> list[Bid]:
    """Each entrant's sealed submission to the phase (one per lot it bids for). A phase whose
    deadline passed has at least one submission for each lot, so that it can be decided."""
    theme = words.THEMES[run.theme]
    closed = phase.deadline <= run.cut
    end = min(phase.deadline, run.cut)
    bids = []
    criteria = [c for c in run.criteria if c[2] != "price"]
    priced = any(c[2] == "price" for c in run.criteria)
    lots: list[tuple[int, int, Decimal] | None] = list(run.lots) or [None]
    for index, supplier in enumerate(entrants):
        chosen = lots if len(lots) == 1 else rng.sample(lots, rng.randint(1, len(lots)))
        sure = lots[index] if index < len(lots) else None  # every lot gets one bid
        if sure is not None and sure not in chosen:
            chosen = [*chosen, sure]
        for lot in chosen:
            created = between(rng, phase.start + HOUR, end - 3 * HOUR)
            if created >= run.cut:
                continue
            roll = rng.random()
            if closed:
                state = "submitted" if roll < 0.9 else "draft" if roll < 0.95 else "withdrawn"
                if lot is sure and index < len(lots):
                    state = "submitted"
            else:
                state = "submitted" if roll < 0.6 and created + 2 * HOUR < end else "draft"
            pk = t["submission"].new_id()
            public_id = f"{rng.getrandbits(128):032x}"
            worth = lot[2] if lot else phase.budget or run.value
            price = _money(float(worth) * rng.uniform(0.55, 1.1)) if priced else None
            content: dict[str, Any] = {
                "process": run.id,
                "phase": phase.number,
                "lot": lot[1] if lot else None,
                "organisation": supplier.name,
                "answers": {
                    str(number): words.response(rng, theme, supplier.name, ckind)
                    for _, number, ckind, _ in criteria
                },
                "price": str(price) if price is not None else None,
                "currency": "GBP",
                "files": [],
            }
            submitted_at = receipt = None
            if state != "draft":
                submitted_at = between(rng, created + HOUR, end - HOUR)
                receipt = sealing.receipt(content)
                t["receipt"].add(t["receipt"].new_id(), pk, receipt, submitted_at, False)
            updated = submitted_at or created
            if state == "withdrawn":
                assert submitted_at is not None
                updated = between(rng, submitted_at, end)
                t["receipt"].add(t["receipt"].new_id(), pk, receipt, updated, True)
            shown = opened and state == "submitted"
            bid = Bid(
                pk,
                public_id,
                supplier,
                lot[0] if lot else None,
                price,
                receipt or "",
                submitted_at if state == "submitted" else None,
            )
            t["submission"].add(
                pk,
                public_id,
                phase.id,
                bid.lot,
                supplier.id,
                rng.choice(supplier.members),
                state,
                sealing.seal_json(content, process_id=run.id, organisation_id=supplier.id),
                receipt or "",
                created,
                updated,
                submitted_at,
                content if shown else None,  # what phase_open unseals
                True if shown else None,
            )
            bids.append(bid)
    return bids


def _evaluate(
    ctx: Context,
    t: dict[str, Any],
    rng: random.Random,
    run: Run,
    phase: PhaseRow,
    bids: list[Bid],
    *,
    complete: bool,
) -> None:
    """The panel's declarations and scores for an opened phase: all of them when the phase was
    decided (disagreements moderated), some of them while evaluation goes on."""
    if not run.panel:
        staff = [u for u in (*run.buyer.frontline, *run.buyer.officers) if u != run.runner]
        people = rng.sample(staff, min(len(staff), rng.randint(1, 2)))
        if rng.random() < 0.5 or len(people) < 2:
            people.append(rng.choice(ctx.experts))
        experts = set(ctx.experts)
        for user in dict.fromkeys(people):
            pk = t["evaluator"].new_id()
            kind = Evaluator.Kind.EXPERT if user in experts else Evaluator.Kind.STAFF
            t["evaluator"].add(pk, run.id, user, kind, run.runner, phase.opened)
            run.panel.append((pk, user))
    end = min(phase.decided, run.cut)
    top = Decimal(settings.EVALUATION_SCALE_MAX)
    limit = Decimal(settings.EVALUATION_DISAGREEMENT_RANGE)
    criteria = [c for c in run.criteria if c[2] != "price"]
    done = {e: complete or rng.random() < 0.5 for e, _ in run.panel}
    quality = {(b.submission, c[0]): rng.uniform(3, 9.5) for b in bids for c in criteria}
    for bid in bids:
        bid.quality = sum(quality[(bid.submission, c[0])] for c in criteria) / len(criteria)
        conflicts = [rng.random() < 0.03 for _ in run.panel]
        if all(conflicts):
            conflicts[-1] = False
        given: dict[int, list[Decimal]] = {}
        for (evaluator, _user), conflict in zip(run.panel, conflicts, strict=True):
            if not complete and rng.random() < 0.3:
                continue  # not yet declared
            declared = between(rng, phase.opened + HOUR, end - 2 * HOUR)
            details = f"I worked with {bid.supplier.name} until last year." if conflict else ""
            t["declaration"].add(
                t["declaration"].new_id(), evaluator, bid.submission, conflict, details, declared
            )
            if conflict or not done[evaluator]:
                continue
            for cid, _, _, _ in criteria:
                base = quality[(bid.submission, cid)]
                value = base + rng.uniform(-0.75, 0.75)
                if rng.random() < 0.04:
                    value = base + rng.choice([-3.5, 3.5])  # a disagreement
                tenths = min(10.0, max(0.0, value))  # out of 10, in half points
                score = (Decimal(round(tenths * 2)) / 2 * top / 10).quantize(Decimal("0.01"))
                justification = GOOD if tenths >= 8 else FAIR if tenths >= 6 else POOR
                at = between(rng, declared, end - HOUR)
                t["score"].add(
                    t["score"].new_id(),
                    evaluator,
                    bid.submission,
                    cid,
                    score,
                    justification,
                    at,
                    at,
                )
                given.setdefault(cid, []).append(score)
        for cid, _, _, _ in criteria:
            numbers = given.get(cid, [])
            moderated = None
            if complete and scoring.disagrees(numbers, limit):
                moderated = (sum(numbers, Decimal(0)) / len(numbers)).quantize(Decimal("0.01"))
                t["moderation"].add(
                    t["moderation"].new_id(),
                    bid.submission,
                    cid,
                    moderated,
                    "The panel discussed the evidence and agreed this score.",
                    run.runner,
                    end - HOUR,
                )
            bid.marks[cid] = (numbers, moderated)


def _totals(run: Run, bids: list[Bid]) -> None:
    """Each bid's total, worked out with the evaluation app's own arithmetic (agreed scores,
    price by formula within each lot, weighted)."""
    top = Decimal(settings.EVALUATION_SCALE_MAX)
    limit = Decimal(settings.EVALUATION_DISAGREEMENT_RANGE)
    by_lot: dict[int | None, dict[str, Decimal]] = {}
    for bid in bids:
        if bid.price is not None:
            by_lot.setdefault(bid.lot, {})[bid.public_id] = bid.price
    prices: dict[str, Decimal] = {}
    for lot_prices in by_lot.values():
        prices |= scoring.price_scores(lot_prices, top)
    scheme = [scoring.Weighted(str(n), w, k == "price") for _, n, k, w in run.criteria]
    for bid in bids:
        values = {
            str(n): prices.get(bid.public_id)
            if k == "price"
            else scoring.agreed(*bid.marks.get(c, ([], None)), limit)
            for c, n, k, _ in run.criteria
        }
        bid.total = scoring.final_score(values, scheme, top).total


def _ranked(bids: list[Bid]) -> list[Bid]:
    """Best first: by total where it was worked out, else by the panel's view of quality."""
    return sorted(
        bids,
        key=lambda b: (-(b.total if b.total is not None else b.quality), b.supplier.name),
    )


def _gate(
    ctx: Context,
    t: dict[str, Any],
    rng: random.Random,
    run: Run,
    phase: PhaseRow,
    phases: list[PhaseRow],
    bids: list[Bid],
    *,
    stop_all: bool,
) -> list[Supplier]:
    """The stage gate after a phase: who continues (invited to the next phase) and who stops;
    the suppliers taken forward that accepted."""
    rules = kinds.rules_for(run.kind)
    spec = rules.phases[phase.number - 1] if phase.number <= len(rules.phases) else None
    forward = (spec.take_forward if spec else None) or len(bids)
    going = [] if stop_all else _ranked(bids)[: max(1, min(forward, len(bids)))]
    stopped = [b for b in bids if b not in going]
    for bid in bids:
        decision = "continue" if bid in going else "stop"
        text = rng.choice(words.CONTINUE_REASONS if bid in going else words.STOP_REASONS)
        t["gate"].add(
            t["gate"].new_id(), phase.id, bid.submission, decision, text, run.runner, phase.decided
        )
        if decision == "stop":
            cost = f" at GBP {bid.price:,.2f}" if bid.price is not None else ""
            run.events.append(
                (phase.decided, K.GATE, run.runner,
                 f"{bid.supplier.name} stopped after phase {phase.number}{cost}: {text}", text,
                 {}, {})
            )  # fmt: skip
    if stopped:
        names = [b.supplier.name for b in stopped]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        ended = ": the process ended without an award" if not going else ""
        failure_label = f"{who} stopped after phase {phase.number} of “{run.title}”{ended}"
        ctx.failures.append(
            Failure(
                Capture.Kind.GATE_STOP,
                run.buyer.id,
                ctx.content_types["processes.process"],
                run.id,
                failure_label[:300],
                reverse("evaluation:gate_outcome", args=[run.id, phase.number]),
                run.runner,
                phase.decided,
                Stage.COMPETITION,
                run.area,
                run.theme,
                sum((b.price for b in stopped if b.price is not None), Decimal(0)) or None,
            )
        )
    if not going:
        return []
    nxt = phases[phase.number]
    accepted = []
    for index, bid in enumerate(going):
        ok = index == 0 or rng.random() < 0.95
        decided = between(rng, phase.decided + HOUR, nxt.start - HOUR)
        t["invitation"].add(
            t["invitation"].new_id(),
            nxt.id,
            bid.supplier.id,
            Invitation.State.ACCEPTED if ok else Invitation.State.DECLINED,
            run.runner,
            phase.decided,
            decided,
            "",
        )
        if ok:
            accepted.append(bid.supplier)
    names = [b.supplier.name for b in going]
    run.events.append(
        (phase.decided, K.INVITED, run.runner,
         f"Invited to phase {nxt.number}: {', '.join(names)}", "", {},
         {"phase": nxt.number, "organisations": names})
    )  # fmt: skip
    return accepted


def _award(
    ctx: Context, t: dict[str, Any], rng: random.Random, run: Run, phase: PhaseRow, bids: list[Bid]
) -> str:
    """Awards (one per lot) or, for a challenge, prizes; then contracts and ratings. Returns the
    decision's public summary."""
    decided = phase.decided
    if run.kind == "challenge":
        winners = _ranked(bids)[: rng.randint(1, 3)]
        shares = (Decimal("0.5"), Decimal("0.3"), Decimal("0.2"))
        parts = []
        for place, bid in enumerate(winners, start=1):
            amount = (run.value * shares[place - 1]).quantize(Decimal("0.01"))
            t["prize"].add(
                t["prize"].new_id(), run.id, bid.submission, place, amount, "GBP",
                "The judges' highest scores, and a working answer shown in the finals.",
                run.runner, decided,
            )  # fmt: skip
            parts.append(f"{place}. {bid.supplier.name} (GBP {amount:,.2f})")
        summary = f"Prizes: {'; '.join(parts)}"[:1900]
    else:
        summary = ""
        _totals(run, bids)
        lots = {b.lot for b in bids}
        for lot in sorted(lots, key=lambda x: x or 0):
            ranked = _ranked([b for b in bids if b.lot == lot])
            chosen, below = ranked[0], ""
            if (
                len(ranked) > 1
                and rng.random() < 0.04
                and (ranked[1].total or 0) < (ranked[0].total or 0)
            ):
                chosen = ranked[1]
                below = "The top-scoring bid could not start until next year."
            value = chosen.price if chosen.price is not None else run.value
            rationale = rng.choice(
                (
                    "The highest score: the clearest plan and credible outcome measures.",
                    "The best balance of quality, price and social value.",
                    "The strongest delivery plan, at a price within the budget.",
                )
            )
            award_id = t["award"].new_id()
            t["award"].add(
                award_id, run.id, chosen.submission, lot, value, "GBP", rationale, below,
                chosen.total, run.runner, decided,
                decided + settings.STANDSTILL_DAYS * DAY,
            )  # fmt: skip
            supplier = chosen.supplier
            size = Organisation.Size(supplier.size).label.lower()
            social = ", social enterprise" if supplier.social else ""
            summary = f"to {supplier.name} ({size}{social}) for GBP {value:,.2f}: {rationale}"
            _contract(ctx, t, rng, run, award_id, supplier, value, decided)
        summary = summary[:1900]
    run.events.append((decided, K.AWARDED, run.runner, f"Awarded: {summary}", summary, {}, {}))
    for organisation, supplier in sorted(run.bidders.items()):
        if rng.random() < 0.4:
            at = decided + rng.randint(1, 30) * DAY
            if at < ctx.anchor:
                t["rating"].add(
                    t["rating"].new_id(), run.id, organisation, rng.randint(2, 5),
                    rng.randint(2, 5), rng.randint(1, 5), rng.randint(1, 5),
                    rng.choice(words.RATING_COMMENTS), rng.choice(supplier.members), at,
                )  # fmt: skip
    return summary


def _contract(
    ctx: Context,
    t: dict[str, Any],
    rng: random.Random,
    run: Run,
    award: int,
    supplier: Supplier,
    value: Decimal,
    decided: datetime,
) -> None:
    """The contract signed after the standstill, if that time has come, with its delivery."""
    signed = decided + settings.STANDSTILL_DAYS * DAY + rng.randint(1, 30) * DAY
    if signed >= ctx.anchor or rng.random() < 0.15:
        return
    today = ctx.anchor.date()
    starts = (signed + rng.randint(0, 30) * DAY).date()
    ends = starts + timedelta(days=rng.randint(180, 1095))
    status, ended, why = Contract.Status.ACTIVE, None, ""
    if ends < today:
        status, ended = Contract.Status.COMPLETED, datetime.combine(ends, signed.timetz())
    if rng.random() < 0.04:
        latest = min(ctx.anchor, datetime.combine(ends, signed.timetz()))
        if latest > signed + 60 * DAY:
            status, why = Contract.Status.TERMINATED, rng.choice(words.TERMINATION_REASONS)
            ended = between(rng, signed + 30 * DAY, latest - DAY)
    pk = t["contract"].new_id()
    t["contract"].add(
        pk, award, run.id, supplier.id, run.title, value, "GBP", starts, ends, status, signed,
        run.runner, ended, why,
    )  # fmt: skip
    if status == Contract.Status.TERMINATED:
        assert ended is not None
        ctx.failures.append(
            Failure(
                Capture.Kind.TERMINATED,
                run.buyer.id,
                ctx.content_types["contracts.contract"],
                pk,
                f"“{run.title}” terminated: {why}"[:300],
                reverse("contracts:detail", args=[pk]),
                run.runner,
                ended,
                Stage.DELIVERY,
                run.area,
                run.theme,
            )
        )
    stop = (ended or ctx.anchor).date() if ended else today
    chosen = rng.sample(words.MILESTONES, rng.randint(2, len(words.MILESTONES)))
    span = (ends - starts).days
    for number, (title, criteria) in enumerate(chosen, start=1):
        due = starts + timedelta(days=span * number // (len(chosen) + 1))
        state, decided_at, by, note = Milestone.Status.PENDING, None, None, ""
        if due < stop and rng.random() < 0.9:
            moment = datetime.combine(due, signed.timetz()) + rng.randint(-5, 10) * DAY
            if moment < ctx.anchor and moment > signed:
                accepted = rng.random() < 0.88
                state = Milestone.Status.ACCEPTED if accepted else Milestone.Status.REJECTED
                decided_at, by = moment, run.runner
                note = "Checked against the criteria." if accepted else "Not yet met: see notes."
        t["milestone"].add(
            t["milestone"].new_id(), pk, number, title, criteria, due, state, decided_at, by, note
        )
    name, unit, target = rng.choice(words.OUTCOMES)
    measured = signed + rng.randint(30, 400) * DAY
    actual = Decimal(int(target * rng.uniform(0.3, 1.2))) if measured < ctx.anchor else None
    t["outcome"].add(
        t["outcome"].new_id(), pk, name, unit, Decimal(target), actual,
        measured if actual is not None else None,
    )  # fmt: skip
    if rng.random() < 0.2:
        made = signed + rng.randint(30, 300) * DAY
        if made < (ended or ctx.anchor):
            change = _money(float(value) * rng.uniform(-0.1, 0.2))
            t["amendment"].add(
                t["amendment"].new_id(), pk, change, rng.choice(words.AMENDMENT_REASONS),
                run.runner, made,
            )  # fmt: skip
