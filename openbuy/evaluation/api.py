"""The evaluation API: the buyer runs the panel, moderates, awards and decides stage gates; each
evaluator declares conflicts, reads blinded answers and scores; everyone reads the award notice,
the debriefs and the stage gates once they are published. Same services and selectors as the
pages, so the same rules — in particular, no score leaves the panel (its evaluators and the
buyer's officers) before the award is published, or the phase's stage gate decided.

Permission comes before anything is looked up: a caller off the panel learns nothing from the
difference between a submission that exists and one that does not.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from openbuy.accounts.models import User
from openbuy.accounts.rules import can
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Award, Evaluator, Moderation, Score
from openbuy.evaluation.schemas import (
    AssignmentOut,
    AwardIn,
    AwardNoticeOut,
    AwardOut,
    BuyerRatingsOut,
    DebriefOut,
    DeclarationIn,
    DeclarationOut,
    EvaluatorIn,
    EvaluatorOut,
    EvaluatorScoreOut,
    GateIn,
    GateOut,
    ModerationIn,
    ModerationOut,
    PrizeOut,
    PrizesIn,
    RatingIn,
    RatingOut,
    ResultsQuery,
    ScoredSubmissionOut,
    ScoreIn,
    SubmissionAnswersOut,
    UnblindIn,
    UnblindingOut,
)
from openbuy.processes import selectors as process_selectors
from openbuy.processes.models import Criterion, Phase, Process, Submission

router = Router(tags=["evaluation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
READ_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _process(request, pk: int) -> Process:
    """The process, if the caller may see it (a draft only by its buyer): else a 404."""
    try:
        return process_selectors.process_for(request.auth, pk)
    except Process.DoesNotExist:
        raise Http404 from None


def _runs(request, pk: int) -> Process:
    process = _process(request, pk)
    if not can(request.auth, "evaluation.run", process):
        raise PermissionDenied(f"Only buyer officers of {process.organisation} run its panel.")
    return process


def _evaluator(request, pk: int) -> tuple[Process, Evaluator]:
    process = _process(request, pk)
    evaluator = selectors.evaluator_of(request.auth, process)
    if evaluator is None or not request.auth.is_active:
        raise PermissionDenied("Only the evaluators on this process's panel can do that.")
    return process, evaluator


def _opened(process: Process, phase: Phase | None = None):
    found = Submission.objects.select_related("phase__process", "organisation", "lot").filter(
        phase__process=process, opened__isnull=False
    )
    return found.filter(phase=phase) if phase is not None else found


def _submission(process: Process, ref: str, field: str, phase: Phase | None = None) -> Submission:
    """An opened submission named in the body: else a 422 naming the field."""
    found = _opened(process, phase).filter(public_id=ref).first()
    if found is None:
        raise ValidationError({field: "There is no such opened submission"})
    return found


def _criterion(process: Process, number: int, field: str = "criterion") -> Criterion:
    found = process.criteria.filter(number=number).first()
    if found is None:
        raise ValidationError({field: "There is no such criterion"})
    found.process = process
    return found


def _phase(process: Process, number: int | None) -> Phase:
    if number is None:
        return process.phase
    phase = process.phases.filter(number=number).first()
    if phase is None:
        raise ValidationError({"query.phase": "There is no such phase"})
    return phase


def _lot(submission: Submission) -> int | None:
    return submission.lot.number if submission.lot is not None else None


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's error with its fields named as the request names them."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): messages for field, messages in error.message_dict.items()}
    )


def _result(row: selectors.SubmissionResult) -> dict:
    submission = row.submission
    price = (submission.opened or {}).get("price")
    return {
        "submission": submission.public_id,
        "organisation": submission.organisation,
        "lot": _lot(submission),
        "criteria": [
            {
                "criterion": c.criterion.number,
                "name": c.criterion.name,
                "kind": c.criterion.kind,
                "weight": c.criterion.weight,
                "scores": [
                    {
                        "evaluator": str(s.evaluator.user),
                        "score": s.score,
                        "justification": s.justification,
                    }
                    for s in c.scores
                ],
                "spread": c.spread,
                "disagrees": c.disagrees,
                "moderation": c.moderation,
                "agreed": c.agreed,
            }
            for c in row.criteria
        ],
        "price": price or None,
        "price_score": row.price_score,
        "total": row.total.total,
        "missing": [int(key) for key in row.total.missing],
        "place": row.place.position if row.place is not None else None,
        "tied": bool(row.place and row.place.tied),
    }


def _awards(process: Process) -> list[Award]:
    """The awards made: public from the moment each is made (lot by lot, in a tender with
    lots)."""
    return selectors.awards_of(process)


# --- public reads -------------------------------------------------------------------------------


@router.get(
    "/processes/{pk}/award",
    response={200: AwardNoticeOut, 404: ErrorOut},
    auth=optional_auth,
    summary="The award notice: the winner, its size, the value and why",
    description="A 404 until the award is published.",
)
def award_notice(request, pk: int):
    process = _process(request, pk)
    awards = _awards(process)
    prizes = selectors.prizes_of(process) if selectors.scores_public(process) else []
    if not awards and not prizes:
        raise Http404
    bidders = _opened(process, process.phase).order_by("organisation__name", "id")
    return {
        "process": process.pk,
        "title": process.title,
        "awards": awards,
        "prizes": prizes,
        "bidders": [
            {
                "submission": s.public_id,
                "organisation": s.organisation,
                "lot": _lot(s),
            }
            for s in bidders
        ],
    }


@router.get(
    "/processes/{pk}/debriefs/{ref}",
    response={200: DebriefOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A bidder's debrief: its scores and the reasons, against the winning scores",
    description="Public once the award (of its lot, in a tender with lots) is published, or "
    "the stage gate after its phase decided; a 404 before.",
)
def debrief(request, pk: int, ref: str):
    process = _process(request, pk)
    submission = _opened(process).filter(public_id=ref).select_related("phase").first()
    if submission is None or not selectors.scores_public(process, submission.phase, submission):
        raise Http404
    mine, winner, awards = selectors.debrief(submission)
    return {
        "process": process.pk,
        "title": process.title,
        "mine": _result(mine),
        "winner": _result(winner) if winner is not None else None,
        "won": winner is not None and winner.submission.pk == submission.pk,
        "awards": [a for a in awards if a.lot_id == submission.lot_id],
    }


@router.get(
    "/processes/{pk}/gates/{number}",
    response={200: GateOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A stage gate's decisions: who continues, who stops, and why",
    description="Public from the moment the gate is decided; a 404 before.",
)
def gate_outcome(request, pk: int, number: int):
    process = _process(request, pk)
    phase = process.phases.filter(number=number).first()
    decisions = selectors.gate_of(phase) if phase is not None else []
    if phase is None or not decisions:
        raise Http404
    return {
        "phase": phase.number,
        "title": phase.title,
        "success_criteria": phase.success_criteria,
        "kill_criteria": phase.kill_criteria,
        "decisions": decisions,
    }


@router.get(
    "/processes/{pk}/evaluation/results",
    response={200: list[ScoredSubmissionOut], **READ_ERRORS},
    auth=optional_auth,
    summary="A phase's scores, moderation, totals and ranking",
    description="The panel and the buyer's officers only, until the award is published or "
    "the phase's stage gate decided: then everyone. The current phase unless ?phase=N.",
)
@paginate(Pagination)
def results(request, pk: int, query: Query[ResultsQuery]):
    process = _process(request, pk)
    # The selector refuses anyone who may not see the phase's scores yet.
    return [_result(row) for row in selectors.results(request.auth, _phase(process, query.phase))]


@router.get(
    "/processes/{pk}/evaluation/panel",
    response={200: list[EvaluatorOut], **READ_ERRORS},
    auth=optional_auth,
    summary="The evaluation panel",
    description="The panel and the buyer's officers only, until the award is published.",
)
@paginate(Pagination)
def panel(request, pk: int):
    return selectors.panel(request.auth, _process(request, pk))


# --- buyers -------------------------------------------------------------------------------------


@router.post(
    "/processes/{pk}/evaluation/evaluators",
    response={201: EvaluatorOut, **ERRORS},
    summary="Put someone on the panel (buyer officers)",
    description="Staff of the buying organisation, or an invited expert with an openbuy account.",
)
def evaluator_add(request, pk: int, payload: EvaluatorIn):
    process = _runs(request, pk)
    user = User.objects.filter(email__iexact=payload.email.strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"email": "There is no openbuy account with that email address"})
    try:
        made = services.evaluator_add(
            actor=request.auth, process=process, user=user, kind=payload.kind
        )
    except ValidationError as error:
        raise _renamed(error, {"user": "email"}) from None
    return Status(201, made)


@router.post(
    "/processes/{pk}/evaluation/criteria/{number}/unblind",
    response={200: UnblindingOut, **ERRORS},
    summary="Turn blinding off for one criterion, with a recorded reason (buyer officers)",
    description="Only before scoring starts; price is never blinded.",
)
def unblind(request, pk: int, number: int, payload: UnblindIn):
    process = _runs(request, pk)
    criterion = process.criteria.filter(number=number).first()
    if criterion is None:
        raise Http404
    criterion.process = process
    return services.unblind(actor=request.auth, criterion=criterion, reason=payload.reason)


@router.post(
    "/processes/{pk}/evaluation/moderations",
    response={200: ModerationOut, **ERRORS},
    summary="Record the agreed score where evaluators disagree, and why (buyer officers)",
)
def moderate(request, pk: int, payload: ModerationIn):
    process = _runs(request, pk)
    submission = _submission(process, payload.submission, "submission", process.phase)
    criterion = _criterion(process, payload.criterion)
    made = services.moderate(
        actor=request.auth,
        submission=submission,
        criterion=criterion,
        score=payload.score,
        reason=payload.reason,
    )
    return Moderation.objects.select_related("submission", "criterion").get(pk=made.pk)


@router.post(
    "/processes/{pk}/evaluation/award",
    response={201: AwardOut, **ERRORS},
    summary="Award the process, checked against the scores (buyer officers)",
    description="Every submission needs an agreed total; awarding below the top score needs a "
    "reason, published with the award. Scores, reasons and every debrief become public.",
)
def award(request, pk: int, payload: AwardIn):
    process = _runs(request, pk)
    submission = _submission(process, payload.submission, "submission", process.phase)
    try:
        made = services.award(
            actor=request.auth,
            process=process,
            submission=submission,
            rationale=payload.rationale,
            below_top_reason=payload.below_top_reason,
        )
    except ValidationError as error:
        raise _renamed(error, {"reason": "rationale"}) from None
    return Status(
        201,
        Award.objects.select_related("submission__organisation", "lot").get(pk=made.pk),
    )


@router.post(
    "/processes/{pk}/evaluation/gate",
    response={201: GateOut, **ERRORS},
    summary="Decide the stage gate: continue or stop for each supplier, with reasons",
    description="One decision for every opened submission of the phase, judged against its "
    "success and kill criteria. Those continuing are invited to the next phase; stopping is a "
    "public outcome. The phase's scores become public. When any supplier stops, refused with a "
    "422 (field `lesson`, or `lesson.title` and so on) without what that teaches — a `lesson`, "
    "or the `no_lesson_reason`; either is published, the lesson in the lessons register.",
)
def gate(request, pk: int, payload: GateIn):
    process = _runs(request, pk)
    phase = process.phase
    found = {s.public_id: s for s in _opened(process, phase)}
    at: dict[str, int] = {}
    errors = {}
    for i, choice in enumerate(payload.decisions):
        if choice.submission not in found:
            errors[f"decisions.{i}.submission"] = "There is no such opened submission"
        elif choice.submission in at:
            errors[f"decisions.{i}.submission"] = "This submission is already decided above"
        else:
            at[choice.submission] = i
    if errors:
        raise ValidationError(errors)
    names = {}
    for ref in found:
        names[f"decision_{ref}"] = f"decisions.{at[ref]}.decision" if ref in at else "decisions"
        names[f"reason_{ref}"] = f"decisions.{at[ref]}.reason" if ref in at else "decisions"
    try:
        services.gate_decide(
            actor=request.auth,
            process=process,
            decisions={c.submission: (c.decision, c.reason) for c in payload.decisions},
            lesson=payload.entry(),
        )
    except ValidationError as error:
        raise _renamed(error, names) from None
    return Status(201, gate_outcome(request, pk, phase.number))


@router.post(
    "/processes/{pk}/evaluation/prizes",
    response={201: list[PrizeOut], **ERRORS},
    summary="End a challenge with its prizes, by place (buyer officers)",
    description="Every entry needs agreed scores first; the prizes may not exceed the prize "
    "pool. The winners, the judges' scores and every debrief become public.",
)
def prizes(request, pk: int, payload: PrizesIn):
    process = _runs(request, pk)
    found = {s.public_id: s for s in _opened(process, process.phase)}
    errors = {
        f"prizes.{i}.submission": "There is no such opened entry"
        for i, prize in enumerate(payload.prizes)
        if prize.submission not in found
    }
    if errors:
        raise ValidationError(errors)
    services.prizes_award(
        actor=request.auth,
        process=process,
        prizes=[
            {"submission": found[p.submission], "amount": p.amount, "reason": p.reason}
            for p in payload.prizes
        ],
    )
    return Status(201, selectors.prizes_of(process))


@router.post(
    "/processes/{pk}/rating",
    response={201: RatingOut, **ERRORS},
    summary="Rate how the buyer ran the process (a bidder's supplier staff, after the award)",
    description="Once per bidding organisation. The averages are public on the buyer's page.",
)
def rate(request, pk: int, payload: RatingIn):
    process = _process(request, pk)
    mine = [
        o
        for o in process_selectors.supplier_organisations(request.auth)
        if _opened(process).filter(organisation=o).exists()
    ]
    if payload.organisation is not None:
        mine = [o for o in mine if o.slug == payload.organisation]
        if not mine:
            raise ValidationError({"organisation": "You are not staff of a bidder by that slug"})
    if not mine:
        raise PermissionDenied("Only supplier staff of a bidder rate how the buyer ran it.")
    if len(mine) > 1:
        raise ValidationError({"organisation": "Say which of your organisations rates"})
    marks = payload.dict(include={"clarity", "answers", "debrief", "timeliness"})
    return Status(
        201,
        services.rate(
            actor=request.auth,
            process=process,
            organisation=mine[0],
            marks=marks,
            comment=payload.comment,
        ),
    )


@router.get(
    "/organisations/{slug}/ratings",
    response={200: BuyerRatingsOut, 404: ErrorOut},
    auth=optional_auth,
    summary="How bidders rate a buyer's competitions: the averages",
    description="Averages of every rating given after an award; null while there are none.",
)
def buyer_ratings(request, slug: str):
    from openbuy.accounts.models import Organisation

    organisation = Organisation.objects.filter(slug=slug, kind="buyer").first()
    if organisation is None:
        raise Http404
    found = selectors.buyer_ratings(organisation) or {"count": 0}
    return {
        "organisation": organisation,
        "count": found["count"],
        **{k: found.get(k) for k in ("clarity", "answers", "debrief", "timeliness")},
    }


# --- evaluators ---------------------------------------------------------------------------------


def _declaration(bidder: selectors.Bidder) -> dict:
    return {
        "organisation": bidder.organisation,
        "declared": (
            "not_yet"
            if not bidder.declared
            else "conflict"
            if bidder.has_conflict
            else "no_conflict"
        ),
        "details": bidder.details,
        "declared_at": bidder.declared_at,
    }


@router.get(
    "/processes/{pk}/evaluation/declarations",
    response={200: list[DeclarationOut], **ERRORS},
    summary="The suppliers to declare on, with your declarations (evaluators)",
    description="Every supplier that submitted to the current phase, by name, with your "
    "conflict-of-interest declaration about it. Declare on all of them before any response is "
    "shown to you.",
)
@paginate(Pagination)
def declarations(request, pk: int):
    process, evaluator = _evaluator(request, pk)
    return [_declaration(b) for b in selectors.bidders(evaluator, process.phase)]


@router.post(
    "/processes/{pk}/evaluation/declarations",
    response={201: DeclarationOut, **ERRORS},
    summary="Declare any conflict of interest with a supplier, before reading (evaluators)",
    description="A conflict takes you off all of that supplier's responses. Declarations are "
    "never changed.",
)
def declare(request, pk: int, payload: DeclarationIn):
    process, evaluator = _evaluator(request, pk)
    phase = process.phase
    found = {b.organisation.slug: b for b in selectors.bidders(evaluator, phase)}
    if payload.organisation not in found:
        raise ValidationError(
            {"organisation": "There is no such supplier among this phase's submissions"}
        )
    bidder = found[payload.organisation]
    if bidder.declared:
        raise ValidationError("You have already declared on this supplier.")
    services.declare_organisations(
        actor=request.auth,
        process=process,
        answers={bidder.organisation.pk: (payload.has_conflict, payload.details)},
    )
    fresh = {b.organisation.pk: b for b in selectors.bidders(evaluator, phase)}
    return Status(201, _declaration(fresh[bidder.organisation.pk]))


@router.get(
    "/processes/{pk}/evaluation/assignments",
    response={200: list[AssignmentOut], **ERRORS},
    summary="Your responses to score, under neutral labels (evaluators)",
    description="The opened responses of the current phase from the suppliers you declared no "
    "conflict with, each under its letter. Empty until you have declared on every supplier.",
)
@paginate(Pagination)
def assignments(request, pk: int):
    process, evaluator = _evaluator(request, pk)
    return [
        {
            "submission": a.submission.public_id,
            "label": a.label,
            "lot": _lot(a.submission),
            "scored": a.scored,
            "criteria": a.criteria,
        }
        for a in selectors.assignments(evaluator, process.phase)
    ]


@router.get(
    "/processes/{pk}/evaluation/submissions/{ref}/answers",
    response={200: SubmissionAnswersOut, **ERRORS},
    summary="A submission's answers to score, blinded, with how much echoes the specification",
    description="Only after declaring no conflict with it. Quality and social-value answers "
    "have the supplier's identifying strings replaced unless blinding is off for the "
    "criterion. Your own scores come with them.",
)
def answers(request, pk: int, ref: str):
    process, evaluator = _evaluator(request, pk)
    submission = _opened(process).filter(public_id=ref).first()
    if submission is None:
        raise Http404
    read = selectors.answers_for(request.auth, submission)
    mine = {
        s.criterion_id: s for s in Score.objects.filter(evaluator=evaluator, submission=submission)
    }
    return {
        "submission": submission.public_id,
        "label": selectors.labels(submission.phase).get(submission.pk, ""),
        "phase": submission.phase.number,
        "lot": _lot(submission),
        "answers": [
            {
                "criterion": a.criterion.number,
                "name": a.criterion.name,
                "kind": a.criterion.kind,
                "weight": a.criterion.weight,
                "blinded": a.blinded,
                "html": str(a.html),
                "echo_share": a.echo.share,
                "echoed_words": a.echo.echoed_words,
                "total_words": a.echo.total_words,
                "echo_summary": a.echo_summary,
                "score": mine[a.criterion.pk].score if a.criterion.pk in mine else None,
                "justification": (
                    mine[a.criterion.pk].justification if a.criterion.pk in mine else ""
                ),
            }
            for a in read
        ],
    }


@router.put(
    "/processes/{pk}/evaluation/scores",
    response={200: EvaluatorScoreOut, **ERRORS},
    summary="Score one criterion of a submission, with the justification (evaluators)",
    description="Scoring again replaces your score. Price is scored by formula, not here.",
)
def score(request, pk: int, payload: ScoreIn):
    process, _ = _evaluator(request, pk)
    submission = _submission(process, payload.submission, "submission", process.phase)
    criterion = _criterion(process, payload.criterion)
    made = services.score_set(
        actor=request.auth,
        submission=submission,
        criterion=criterion,
        score=payload.score,
        justification=payload.justification,
    )
    return Score.objects.select_related("submission", "criterion").get(pk=made.pk)
