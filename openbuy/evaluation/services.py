"""Every write to evaluation: the panel, conflict declarations, scores, moderation, blinding.

Each checks permission and the process's state at the server's clock, with the process row
locked (as processes.services does), writes, and appends the audit event. Scores and
declarations are private audit events until the award is published: the panel's work is on
the record, but not in public while it is going on.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from openbuy import clock
from openbuy.accounts.models import Membership, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.discussion import notifications
from openbuy.evaluation import scoring
from openbuy.evaluation.models import (
    Award,
    Declaration,
    Evaluator,
    GateDecision,
    Moderation,
    Score,
    Unblinding,
)
from openbuy.lessons import capture
from openbuy.lessons.models import Capture, Stage
from openbuy.processes.lifecycle import Status, status_of
from openbuy.processes.models import Criterion, Process, Submission
from openbuy.processes.services import lock
from openbuy.tasks import send_email

LIMITS = {"details": 2_000, "justification": 5_000, "reason": 2_000, "rationale": 2_000}


def scale_max() -> Decimal:
    return Decimal(settings.EVALUATION_SCALE_MAX)


def disagreement_range() -> Decimal:
    return Decimal(settings.EVALUATION_DISAGREEMENT_RANGE)


def _text(value, field: str, *, label: str) -> str:
    value = str(value or "").replace("\r\n", "\n").strip()
    if not value:
        raise ValidationError({field: f"Enter the {label}"})
    if len(value) > LIMITS[field]:
        raise ValidationError({field: f"The {label} must be {LIMITS[field]:,} characters or fewer"})
    return value


def _in_evaluation(process: Process) -> None:
    if status_of(process, clock.now()) != Status.EVALUATION:
        raise ValidationError("This process is not being evaluated.")


def _require_runner(actor: User, process: Process) -> None:
    if not can(actor, "evaluation.run", process):
        raise PermissionDenied(f"Only buyer officers of {process.organisation} run its panel.")


def _evaluator(actor: User, process: Process) -> Evaluator:
    evaluator = Evaluator.objects.filter(process=process, user=actor).first()
    if evaluator is None or not actor.is_active:
        raise PermissionDenied("Only the evaluators on this process's panel can do that.")
    return evaluator


def _audit(actor, process: Process, action: str, summary: str, **changes) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=process,
        organisation_id=process.organisation_id,
        summary=summary,
        public=False,  # published with the award
        **changes,
    )


def _opened(submission: Submission) -> None:
    if submission.opened is None or submission.phase.opened_at is None:
        raise PermissionDenied("This submission has not been opened.")


def _unscored(phase, submissions=None) -> list[str]:
    """Who still owes a score: every evaluator who declared no conflict with a submission must
    score each of its non-price criteria before the panel's result counts."""
    missing = []
    criteria = list(Criterion.objects.filter(process_id=phase.process_id).exclude(kind="price"))
    given = set(
        Score.objects.filter(submission__phase=phase).values_list(
            "evaluator_id", "submission_id", "criterion_id"
        )
    )
    declarations = Declaration.objects.filter(submission__phase=phase, has_conflict=False)
    if submissions is not None:
        declarations = declarations.filter(submission__in=submissions)
    for declaration in declarations.select_related("evaluator__user", "submission__organisation"):
        for criterion in criteria:
            key = (declaration.evaluator_id, declaration.submission_id, criterion.pk)
            if key not in given:
                missing.append(
                    f"{declaration.evaluator.user} on {declaration.submission.organisation}"
                )
                break
    return missing


def _declarations(phase, submissions=None) -> list[dict]:
    """The panel's conflict declarations for a phase (or some of its submissions: a lot's), for
    the public record made when their scores are published (the award, the prizes or the stage
    gate)."""
    found = Declaration.objects.filter(submission__phase=phase)
    if submissions is not None:
        found = found.filter(submission__in=submissions)
    return [
        {
            "evaluator": str(d.evaluator.user),
            "organisation": d.submission.organisation.name,
            "conflict": d.has_conflict,
            "details": d.details,
        }
        for d in found.select_related("evaluator__user", "submission__organisation").order_by(
            "declared_at", "id"
        )
    ]


def _require_scored(phase, submissions=None) -> None:
    missing = _unscored(phase, submissions)
    if missing:
        raise ValidationError(
            "Every evaluator cleared for a submission must score all of it first. Still to "
            f"score: {', '.join(sorted(set(missing)))}."
        )


def _still_open(process: Process, submission: Submission) -> None:
    """Scores change only while their phase is being evaluated: not an earlier phase's, and
    not once its stage gate has published them."""
    if submission.phase_id != process.current_phase_id:
        raise ValidationError("This submission belongs to an earlier phase: its scores are final.")
    if GateDecision.objects.filter(phase_id=submission.phase_id).exists():
        raise ValidationError("The stage gate has been decided: these scores are final.")


def evaluator_add(*, actor: User, process: Process, user: User, kind: str) -> Evaluator:
    """Put someone on the panel: staff of the buying organisation, or an invited expert."""
    _require_runner(actor, process)
    if kind not in Evaluator.Kind.values:
        raise ValidationError({"kind": "Choose staff or invited expert"})
    if not user.is_active:
        raise ValidationError({"user": "This account is not active"})
    is_staff = Membership.objects.filter(user=user, organisation=process.organisation).exists()
    if kind == Evaluator.Kind.STAFF and not is_staff:
        raise ValidationError(
            {
                "user": f"{user} is not on the staff of {process.organisation}: invite them as an "
                "expert"
            }
        )
    if Membership.objects.filter(user=user, organisation__kind="supplier").exists():
        # Not a rule of law, but a conflict nobody should have to declare: suppliers' staff do
        # not judge their competitors.
        raise ValidationError({"user": f"{user} works for a supplier and cannot evaluate"})
    with transaction.atomic():
        process = lock(process)
        if process.published_at is None or status_of(process, clock.now()) in (
            Status.AWARDED,
            Status.UNSUCCESSFUL,
            Status.CANCELLED,
        ):
            raise ValidationError("Evaluators join a published process that is still running.")
        try:
            with transaction.atomic():
                evaluator = Evaluator.objects.create(
                    process=process, user=user, kind=kind, added_by=actor, added_at=clock.now()
                )
        except IntegrityError:
            raise ValidationError({"user": f"{user} is already on the panel"}) from None
        _audit(
            actor,
            process,
            "evaluation.evaluator_added",
            f"{actor} added {user} to the panel of “{process.title}”",
            after={"user": user.pk, "kind": kind},
        )
        notifications.notify(
            user_ids=[user.pk],
            message=f"You are on the evaluation panel of “{process.title}”",
            url=reverse("evaluation:panel", args=[process.pk]),
        )
    return evaluator


def declare(
    *, actor: User, submission: Submission, has_conflict: bool, details: str = ""
) -> Declaration:
    """Declare, before seeing it, whether the evaluator has a conflict with a submission's
    organisation. A conflict takes them off it. Declarations are never changed."""
    process = submission.phase.process
    evaluator = _evaluator(actor, process)
    _opened(submission)
    details = str(details or "").strip()[: LIMITS["details"]]
    if has_conflict and not details:
        raise ValidationError({"details": "Describe the conflict: it is part of the record"})
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        _still_open(process, submission)
        try:
            with transaction.atomic():
                declaration = Declaration.objects.create(
                    evaluator=evaluator,
                    submission=submission,
                    has_conflict=bool(has_conflict),
                    details=details,
                    declared_at=clock.now(),
                )
        except IntegrityError:
            raise ValidationError("You have already declared for this submission.") from None
        _audit(
            actor,
            process,
            "evaluation.declared",
            f"{actor} declared {'a conflict' if has_conflict else 'no conflict'} with "
            f"{submission.organisation}",
            after={"submission": submission.public_id, "conflict": bool(has_conflict)},
        )
    return declaration


def declare_organisations(
    *, actor: User, process: Process, answers: dict[int, tuple[bool, str]]
) -> list[Declaration]:
    """Declare on suppliers by name, before seeing any response: ``{organisation id:
    (has_conflict, details)}``. Each declaration covers every opened submission of that supplier
    in the current phase. All or nothing: one refused declaration keeps the others unsaved."""
    if not answers:
        raise ValidationError("Declare on at least one supplier.")
    phase = process.phase
    submissions = list(
        Submission.objects.filter(
            phase=phase, opened__isnull=False, organisation_id__in=list(answers)
        ).select_related("phase__process", "organisation")
    )
    if {s.organisation_id for s in submissions} != set(answers):
        raise ValidationError("Declare only on the suppliers who submitted to this phase.")
    made = []
    with transaction.atomic():
        for submission in submissions:
            has_conflict, details = answers[submission.organisation_id]
            made.append(
                declare(
                    actor=actor, submission=submission, has_conflict=has_conflict, details=details
                )
            )
    return made


def _number(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter the score as a number"}) from None
    top = scale_max()
    if not number.is_finite() or not Decimal(0) <= number <= top:
        raise ValidationError({field: f"Enter a score from 0 to {top}"})
    if (number * 2) % 1 != 0:
        raise ValidationError({field: "Score in whole or half points"})
    return number


def score_set(
    *, actor: User, submission: Submission, criterion: Criterion, score, justification: str
) -> Score:
    """Score one criterion of one submission, with the reason. Price is scored by formula."""
    process = submission.phase.process
    evaluator = _evaluator(actor, process)
    if criterion.process_id != process.pk:
        raise ValidationError({"criterion": "This criterion is not one of this process's"})
    if criterion.kind == Criterion.Kind.PRICE:
        raise ValidationError({"criterion": "Price is scored by formula, not by evaluators"})
    value = _number(score, "score")
    justification = _text(justification, "justification", label="justification")
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        _still_open(process, submission)
        declared = Declaration.objects.filter(evaluator=evaluator, submission=submission).first()
        if declared is None:
            raise PermissionDenied("Declare any conflict of interest before scoring.")
        if declared.has_conflict:
            raise PermissionDenied("You declared a conflict with this submission.")
        now = clock.now()
        existing = (
            Score.objects.select_for_update()
            .filter(evaluator=evaluator, submission=submission, criterion=criterion)
            .first()
        )
        if existing is None:
            made = Score.objects.create(
                evaluator=evaluator,
                submission=submission,
                criterion=criterion,
                score=value,
                justification=justification,
                scored_at=now,
                updated_at=now,
            )
        else:
            existing.score, existing.justification, existing.updated_at = value, justification, now
            existing.save(update_fields=["score", "justification", "updated_at"])
            made = existing
            # An agreed score settled the scores as they were: a changed score reopens it.
            Moderation.objects.filter(submission=submission, criterion=criterion).delete()
        _audit(
            actor,
            process,
            "evaluation.scored",
            f"{actor} scored “{criterion.name}”",
            # No value or reason in the log: even site admins, who can read private events,
            # are not on the panel. The scores are recorded, in full, with the award.
            after={"submission": submission.public_id, "criterion": criterion.number},
        )
    return made


def moderate(
    *, actor: User, submission: Submission, criterion: Criterion, score, reason: str
) -> Moderation:
    """Record the score the panel agreed where its evaluators disagree, and why."""
    process = submission.phase.process
    _require_runner(actor, process)
    if criterion.process_id != process.pk or criterion.kind == Criterion.Kind.PRICE:
        raise ValidationError({"criterion": "Choose one of this process's scored criteria"})
    value = _number(score, "score")
    reason = _text(reason, "reason", label="reason for the agreed score")
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        _still_open(process, submission)
        given = list(
            Score.objects.filter(submission=submission, criterion=criterion).values_list(
                "score", flat=True
            )
        )
        if not scoring.disagrees(given, disagreement_range()):
            raise ValidationError(
                "The evaluators do not disagree on this criterion: their scores stand."
            )
        moderation, _ = Moderation.objects.update_or_create(
            submission=submission,
            criterion=criterion,
            defaults={
                "score": value,
                "reason": reason,
                "moderated_by": actor,
                "moderated_at": clock.now(),
            },
        )
        _audit(
            actor,
            process,
            "evaluation.moderated",
            f"{actor} recorded the agreed score for “{criterion.name}”",
            after={"submission": submission.public_id, "criterion": criterion.number},
        )
    return moderation


def unblind(*, actor: User, criterion: Criterion, reason: str) -> Unblinding:
    """Turn blinding off for one quality or social-value criterion, with a recorded reason."""
    process = criterion.process
    _require_runner(actor, process)
    if criterion.kind == Criterion.Kind.PRICE:
        raise ValidationError({"criterion": "Price is scored apart and never blinded"})
    reason = _text(reason, "reason", label="reason for turning blinding off")
    with transaction.atomic():
        process = lock(process)
        if Unblinding.objects.filter(criterion=criterion).exists():
            raise ValidationError("Blinding is already off for this criterion.")
        if Score.objects.filter(criterion=criterion).exists():
            raise ValidationError("Scoring has started: blinding can no longer be turned off.")
        made = Unblinding.objects.create(
            criterion=criterion, reason=reason, decided_by=actor, decided_at=clock.now()
        )
        audit.record(
            actor=actor,
            action="evaluation.unblinded",
            obj=process,
            organisation_id=process.organisation_id,
            summary=f"{actor} turned blinding off for “{criterion.name}”: {reason}",
            after={"criterion": criterion.number, "reason": reason},
        )
    return made


# --- award ----------------------------------------------------------------------------------


def award(
    *,
    actor: User,
    process: Process,
    submission: Submission,
    rationale: str,
    below_top_reason: str = "",
) -> Award:
    """Award the process to a submission, checked against the scores.

    Every opened submission must have an agreed total; awarding below the top score needs a
    reason, published with the award. The standstill period starts now. Scores, reasons and
    the ranking become public, and every bidder gets a debrief.
    """
    from openbuy.evaluation import selectors

    _require_runner(actor, process)
    rationale = _text(rationale, "rationale", label="rationale")
    below_top_reason = str(below_top_reason or "").strip()[: LIMITS["reason"]]
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        phase = process.phase
        if process.phases.filter(number__gt=phase.number).exists():
            raise ValidationError(
                "Award at the last phase: before it, take suppliers forward by invitation."
            )
        if submission.phase_id != phase.pk or submission.opened is None:
            raise ValidationError({"submission": "Choose one of the opened submissions"})
        lot = submission.lot
        # A lot is awarded on its own: only its own submissions need to be scored.
        _require_scored(phase, phase.submissions.filter(lot=lot) if lot else None)
        rows = [
            r for r in selectors.results(actor, phase) if r.submission.lot_id == submission.lot_id
        ]
        unscored = [r.submission.organisation.name for r in rows if r.total.total is None]
        if unscored:
            raise ValidationError(
                "Every submission needs an agreed score on every criterion before the award. "
                f"Still to agree: {', '.join(unscored)}."
            )
        chosen = next(r for r in rows if r.submission.pk == submission.pk)
        totals = [r.total.total for r in rows if r.total.total is not None]
        score, top = chosen.total.total, max(totals)
        assert score is not None  # every row has a total (checked above)
        below_top = score < top
        if below_top and not below_top_reason:
            raise ValidationError(
                {
                    "below_top_reason": f"This submission scored {score}, below the top score "
                    f"of {top}: say why it wins. The reason is published."
                }
            )
        price = (submission.opened or {}).get("price")
        value = Decimal(str(price)) if price else (process.value_amount or Decimal(0))
        now = clock.now()
        try:
            with transaction.atomic():
                made = Award.objects.create(
                    process=process,
                    submission=submission,
                    lot=lot,
                    value_amount=value,
                    currency=process.currency,
                    rationale=rationale,
                    below_top_reason=below_top_reason if below_top else "",
                    total=score,
                    decided_by=actor,
                    decided_at=now,
                    standstill_ends=now + timedelta(days=settings.STANDSTILL_DAYS),
                )
        except IntegrityError:
            raise ValidationError("This has already been awarded.") from None
        lots = process.lots.count()
        if not lots or Award.objects.filter(process=process).count() >= lots:
            from openbuy.processes import services as process_services

            organisation = submission.organisation
            process_services.process_award(
                actor=actor,
                process=process,
                summary=(
                    f"to {organisation.name} ({organisation.get_size_display().lower()}"
                    f"{', social enterprise' if organisation.is_social_enterprise else ''}) for "
                    f"{process.currency} {value:,.2f}: {rationale}"
                )[:1_900],
            )
        audit.record(
            actor=actor,
            action="evaluation.awarded",
            obj=process,
            organisation_id=process.organisation_id,
            summary=f"{actor} awarded “{process.title}” to {submission.organisation}",
            after={
                "winner": submission.organisation.name,
                "value": str(value),
                "rationale": rationale,
                "below_top_reason": made.below_top_reason,
                "totals": {r.submission.organisation.name: str(r.total.total) for r in rows},
                "declarations": _declarations(phase, [r.submission for r in rows]),
                "scores": [
                    {
                        "organisation": r.submission.organisation.name,
                        "criterion": c.criterion.name,
                        "agreed": str(c.agreed),
                        "moderation": c.moderation.reason if c.moderation else "",
                        "by_evaluator": [
                            {
                                "evaluator": str(x.evaluator.user),
                                "score": str(x.score),
                                "justification": x.justification,
                            }
                            for x in c.scores
                        ],
                    }
                    for r in rows
                    for c in r.criteria
                ],
            },
        )
        _debrief_bidders(process, rows)
    return made


def _debrief_bidders(process: Process, rows, *, moment: str = "was awarded") -> None:
    """Tell every bidder, in the site and by email, that its debrief is ready."""
    for row in rows:
        submission = row.submission
        people = set(
            Membership.objects.filter(
                organisation=submission.organisation,
                role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
            ).values_list("user_id", flat=True)
        )
        link = reverse("evaluation:debrief", args=[process.pk, submission.public_id])
        notifications.notify(
            user_ids=people,
            message=f"“{process.title}” {moment}: your debrief, with your scores and the "
            "reasons, is ready",
            url=link,
        )
        emails = list(
            User.objects.filter(pk__in=people, is_active=True).values_list("email", flat=True)
        )
        if emails:
            body = (
                f"“{process.title}” {moment}.\n\n"
                f"Your debrief — your scores and the evaluators' reasons for each criterion, the "
                f"winning scores and why the award was made — is at\n{settings.SITE_URL}{link}\n"
            )
            _send_later(f"Debrief: {process.title}", body, emails)


def _send_later(subject: str, body: str, to: list[str]) -> None:
    transaction.on_commit(lambda: send_email.enqueue(subject=subject, body=body, to=to))


# --- stage gates ----------------------------------------------------------------------------


def gate_decide(
    *,
    actor: User,
    process: Process,
    decisions: dict[str, tuple[str, str]],
    lesson: capture.Entry | None = None,
) -> list:
    """Decide the stage gate after a phase: ``{submission public id: (decision, reason)}`` for
    every opened submission. Those continuing are invited to the next phase (up to the number it
    takes forward); those stopped are stopped, publicly, with the reason. If nobody continues,
    the process ends there — unsuccessful, which at a stage gate is a normal outcome.

    A stop is a failure to learn from: when anyone stops, the gate needs ``lesson`` (one for the
    gate's stops — a lesson, or the public reason there is none; see
    :mod:`openbuy.lessons.capture`), checked with the decisions before anything is written. It
    is kept about the process, and also covers the process ending when nobody continues. When
    everyone continues ``lesson`` is not needed, and ignored."""
    from openbuy.evaluation import selectors
    from openbuy.processes import services as process_services
    from openbuy.processes.models import ProcessEvent

    _require_runner(actor, process)
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        phase = process.phase
        if not process.phases.filter(number=phase.number + 1).exists():
            raise ValidationError("The last phase ends with an award, not a stage gate.")
        if GateDecision.objects.filter(phase=phase).exists():
            raise ValidationError("This stage gate has already been decided.")
        _require_scored(phase)
        rows = selectors.results(actor, phase)
        errors: dict[str, str | list[str]] = {}
        made = []
        for row in rows:
            ref = row.submission.public_id
            decision, reason = decisions.get(ref, ("", ""))
            reason = str(reason or "").strip()[: LIMITS["reason"]]
            if decision not in GateDecision.Decision.values:
                errors[f"decision_{ref}"] = (
                    f"Decide whether {row.submission.organisation} continues or stops"
                )
            elif not reason:
                errors[f"reason_{ref}"] = (
                    f"Give the reason for {row.submission.organisation}, against the phase's "
                    "success and kill criteria"
                )
            else:
                made.append((row.submission, decision, reason))
        chosen = [decisions.get(row.submission.public_id, ("", ""))[0] for row in rows]
        if GateDecision.Decision.STOP in chosen:  # a lesson is checked with the rest
            try:
                lesson = capture.require(lesson)
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        if not made:
            raise ValidationError("No submissions were opened in this phase.")
        now = clock.now()
        decided = [
            GateDecision.objects.create(
                phase=phase,
                submission=submission,
                decision=decision,
                reason=reason,
                decided_by=actor,
                decided_at=now,
            )
            for submission, decision, reason in made
        ]
        going = [d.submission.organisation for d in decided if d.decision == "continue"]
        stopped = [d for d in decided if d.decision == "stop"]
        for d in stopped:
            price = (d.submission.opened or {}).get("price")
            cost = f" at {process.currency} {Decimal(str(price)):,.2f}" if price else ""
            ProcessEvent.objects.create(
                process=process,
                kind=ProcessEvent.Kind.GATE,
                at=now,
                actor=actor,
                summary=(
                    f"{d.submission.organisation} stopped after phase {phase.number}{cost}: "
                    f"{d.reason}"
                )[:500],
                note=d.reason,
            )
        audit.record(
            actor=actor,
            action="evaluation.gate_decided",
            obj=process,
            organisation_id=process.organisation_id,
            summary=f"{actor} decided the gate after phase {phase.number} of “{process.title}”: "
            f"{len(going)} continue, {len(stopped)} stop",
            after={
                "phase": phase.number,
                "declarations": _declarations(phase),
                "decisions": [
                    {
                        "organisation": d.submission.organisation.name,
                        "decision": d.decision,
                        "reason": d.reason,
                    }
                    for d in decided
                ],
            },
        )
        if stopped and lesson is not None:
            _capture_stops(actor, process, phase, stopped, lesson, ended=not going)
        # Those stopped get their debrief now: the phase's scores are public with the gate.
        _debrief_bidders(
            process,
            [r for r in rows if r.submission.pk in {d.submission_id for d in stopped}],
            moment=f"reached its stage gate after phase {phase.number}",
        )
        if going:
            process_services.invite(actor=actor, process=process, organisations=going)
        else:
            process_services.process_unsuccessful(
                actor=actor,
                process=process,
                reason=f"Stopped at the gate after phase {phase.number}: no supplier continues.",
                captured=True,  # the gate's own lesson, just recorded, is the process's too
            )
    return decided


def _price(submission: Submission) -> Decimal | None:
    price = (submission.opened or {}).get("price")
    try:
        return Decimal(str(price)) if price not in (None, "") else None
    except InvalidOperation:
        return None


def _capture_stops(actor, process: Process, phase, stopped: list, lesson, *, ended: bool) -> None:
    """Keep the gate's lesson (or its no-lesson reason) about the process: who stopped, after
    which phase and at what price. Its cost is what the stopped suppliers' phase cost, if their
    prices are known, or else the phase's budget."""
    names = [str(d.submission.organisation) for d in stopped]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    prices = [_price(d.submission) for d in stopped]
    known = [p for p in prices if p is not None]
    cost = sum(known, Decimal(0)) if known else phase.budget_amount
    at = f" at {process.currency} {cost:,.2f}".removesuffix(".00") if known else ""
    capture.record(
        actor=actor,
        entry=lesson,
        kind=Capture.Kind.GATE_STOP,
        organisation=process.organisation,
        about=process,
        label=f"{who} stopped after phase {phase.number} of “{process.title}”{at}"
        + (": the process ended without an award" if ended else ""),
        url=reverse("evaluation:gate_outcome", args=[process.pk, phase.number]),
        stage=Stage.COMPETITION,
        area=process.area,
        cost=cost,
        currency=process.currency,
    )


def gate_allows(phase, organisations) -> None:
    """The stage-gate check processes calls (``processes.gates``) before taking suppliers
    forward or starting the next phase: the gate after ``phase`` must be decided, and each
    supplier taken forward must have been let continue."""
    decided = dict(
        GateDecision.objects.filter(phase=phase).values_list(
            "submission__organisation_id", "decision"
        )
    )
    if not decided:
        raise ValidationError(
            f"Decide the stage gate after phase {phase.number} first: who continues and who "
            "stops, with reasons against the phase's criteria."
        )
    refused = [o for o in organisations if decided.get(o.pk) != GateDecision.Decision.CONTINUE]
    if refused:
        names = ", ".join(sorted(str(o) for o in refused))
        raise ValidationError(
            {"organisations": f"Only suppliers the stage gate let continue go forward: not {names}"}
        )


# --- bidders rate the buyer ------------------------------------------------------------------

RATED = ("clarity", "answers", "debrief", "timeliness")


def rate(*, actor: User, process: Process, organisation, marks: dict, comment: str = ""):
    """A bidder's rating of how the buyer ran the process, once, after the award."""
    from openbuy.evaluation.models import Rating

    if not can(actor, "processes.submit_for", organisation):
        raise PermissionDenied(f"Only supplier staff of {organisation} can rate for it.")
    if process.state != Process.State.AWARDED:
        raise ValidationError("Bidders rate the buyer once the award is published.")
    if not Submission.objects.filter(
        phase__process=process, organisation=organisation, opened__isnull=False
    ).exists():
        raise PermissionDenied(f"{organisation} did not bid for this process.")
    clean: dict[str, int] = {}
    for field in RATED:
        try:
            value = int(str(marks.get(field, "")))
        except ValueError:
            value = 0
        if not 1 <= value <= 5:
            raise ValidationError({field: "Choose from 1 (poor) to 5 (excellent)"})
        clean[field] = value
    try:
        with transaction.atomic():
            made = Rating.objects.create(
                process=process,
                organisation=organisation,
                comment=str(comment or "").strip()[: LIMITS["reason"]],
                rated_by=actor,
                rated_at=clock.now(),
                **clean,
            )
            audit.record(
                actor=actor,
                action="evaluation.rated",
                obj=process,
                organisation_id=process.organisation_id,
                summary=f"{organisation} rated how {process.organisation} ran “{process.title}”",
                after=clean,
            )
    except IntegrityError:
        raise ValidationError(f"{organisation} has already rated this process.") from None
    return made


# --- challenge prizes -------------------------------------------------------------------------


def prizes_award(*, actor: User, process: Process, prizes: list[dict]) -> list:
    """End a challenge with its winners: ``[{"submission", "amount", "reason"}]`` in order of
    place. Every entry must be fully scored; the prizes may not exceed the prize pool. The
    judges' scores, the winners and the amounts become public, and every entrant is debriefed."""
    from openbuy.evaluation import selectors
    from openbuy.evaluation.models import Prize
    from openbuy.processes import services as process_services

    _require_runner(actor, process)
    if process.kind != Process.Kind.CHALLENGE:
        raise ValidationError("Only a challenge ends with prizes: award a tender instead.")
    if not prizes:
        raise ValidationError({"prizes": "Give at least one prize"})
    with transaction.atomic():
        process = lock(process)
        _in_evaluation(process)
        phase = process.phase
        if process.phases.filter(number__gt=phase.number).exists():
            raise ValidationError("Prizes are given at the last phase.")
        _require_scored(phase)
        rows = selectors.results(actor, phase)
        unscored = [r.submission.organisation.name for r in rows if r.total.total is None]
        if unscored:
            raise ValidationError(
                "Every entry needs an agreed score on every criterion before the prizes. "
                f"Still to agree: {', '.join(unscored)}."
            )
        entries = {r.submission.pk: r.submission for r in rows}
        clean, seen = [], set()
        for i, prize in enumerate(prizes):
            submission = prize.get("submission")
            if submission is None or submission.pk not in entries or submission.pk in seen:
                raise ValidationError({f"prizes.{i}.submission": "Choose a different entry"})
            seen.add(submission.pk)
            try:
                amount = Decimal(str(prize.get("amount", "")).replace(",", "").strip())
            except (InvalidOperation, ValueError):
                raise ValidationError(
                    {f"prizes.{i}.amount": "Enter the prize as a number"}
                ) from None
            if not amount.is_finite() or amount <= 0 or amount > Decimal("99999999999999"):
                raise ValidationError({f"prizes.{i}.amount": "Enter a prize above 0"})
            reason = str(prize.get("reason") or "").strip()[: LIMITS["reason"]]
            if not reason:
                raise ValidationError({f"prizes.{i}.reason": "Say why this entry wins a prize"})
            clean.append((submission, amount.quantize(Decimal("0.01")), reason))
        total = sum(amount for _, amount, _ in clean)
        if process.value_amount is not None and total > process.value_amount:
            raise ValidationError(
                {
                    "prizes": f"The prizes add up to {total:,.2f}, more than the prize pool of "
                    f"{process.value_amount:,.2f}"
                }
            )
        now = clock.now()
        made = [
            Prize.objects.create(
                process=process,
                submission=submission,
                place=place,
                amount=amount,
                currency=process.currency,
                reason=reason,
                decided_by=actor,
                decided_at=now,
            )
            for place, (submission, amount, reason) in enumerate(clean, start=1)
        ]
        winners = "; ".join(
            f"{p.place}. {p.submission.organisation.name} ({p.currency} {p.amount:,.2f})"
            for p in made
        )
        process_services.process_award(
            actor=actor, process=process, summary=f"Prizes: {winners}"[:1_900]
        )
        audit.record(
            actor=actor,
            action="evaluation.prizes_awarded",
            obj=process,
            organisation_id=process.organisation_id,
            summary=f"{actor} gave the prizes of “{process.title}”: {winners}",
            after={
                "prizes": [
                    {
                        "place": p.place,
                        "organisation": p.submission.organisation.name,
                        "amount": str(p.amount),
                        "reason": p.reason,
                    }
                    for p in made
                ],
                "totals": {r.submission.organisation.name: str(r.total.total) for r in rows},
                "declarations": _declarations(phase),
            },
        )
        _debrief_bidders(process, rows, moment="gave its prizes")
    return made
