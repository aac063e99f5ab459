"""The processes API: read any published process, its clarifications, its timeline and, once
opened, who submitted; ask and submit as a supplier; run a process as a buyer officer of its
organisation. Same services and selectors as the pages, so the same rules — in particular,
nothing here tells anyone that a submission exists before its phase is opened.

Files are attached to a submission on its page; the API keeps the ones already attached.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from openbuy.accounts.models import Organisation, User
from openbuy.accounts.rules import can
from openbuy.accounts.schemas import ErrorOut
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination
from openbuy.lessons import gate
from openbuy.needs.models import Area
from openbuy.processes import selectors, services
from openbuy.processes.models import Invitation, Lot, Process, Question, Submission
from openbuy.processes.schemas import (
    AskedOut,
    CriteriaIn,
    DecisionIn,
    EndIn,
    EventOut,
    ExtendIn,
    InvitationOut,
    InviteIn,
    OpenedOut,
    PhaseIn,
    ProcessIn,
    ProcessOut,
    ProcessQuery,
    ProcessSummaryOut,
    PublishIn,
    QuestionAnswerIn,
    QuestionIn,
    QuestionOut,
    ReceiptOut,
    SubmissionIn,
    SubmissionOut,
    SubmissionRefIn,
    WaitingQuestionOut,
)
from openbuy.specifications.models import Specification

router = Router(tags=["processes"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _process(request, pk: int) -> Process:
    """The process, if the caller may see it (a draft only by its buyer): else a 404."""
    try:
        return selectors.process_for(request.auth, pk)
    except Process.DoesNotExist:
        raise Http404 from None


def _detail(request, pk: int) -> Process:
    services.settle_due()  # the unanswered-questions rule, before the status is read
    return _process(request, pk)


def _supplier(user: User, slug: str | None) -> Organisation:
    """The supplier organisation named, or the caller's only one."""
    if slug:
        organisation = Organisation.objects.filter(slug=slug, kind="supplier").first()
        if organisation is None:
            raise ValidationError({"organisation": "There is no such supplier organisation"})
        return organisation
    mine = selectors.supplier_organisations(user)
    if not mine:
        raise PermissionDenied("Only staff of supplier organisations can submit.")
    if len(mine) > 1:
        raise ValidationError(
            {"organisation": "You submit for several suppliers: give the one this is for"}
        )
    return mine[0]


def _lot(process: Process, number: int | None) -> Lot | None:
    if number is None:
        return None
    lot = process.lots.filter(number=number).first()
    if lot is None:
        raise ValidationError({"lot": "There is no such lot"})
    return lot


def _own_submission(user: User, pk: int) -> Submission:
    return selectors.own_submissions(user).get(pk=pk)


# --- public reads (paths without a process id first, so they are never taken for one) ---------


@router.get(
    "/processes",
    response={200: list[ProcessSummaryOut], 422: ErrorOut},
    auth=optional_auth,
    summary="Processes: challenges, tenders and staged competitions",
)
@paginate(Pagination)
def process_list(request, filters: Query[ProcessQuery]):
    services.settle_due()  # the unanswered-questions rule, before statuses are worked out
    return selectors.process_list(
        request.auth,
        selectors.Filters(
            query=filters.q,
            kind=filters.kind,
            status=filters.status,
            buyer=filters.buyer,
            area=filters.area,
            value=filters.value,
            closing_soon=filters.closing_soon,
        ),
    )


@router.get(
    "/processes/receipts/{sha256}",
    response={200: ReceiptOut, 404: ErrorOut},
    auth=optional_auth,
    summary="Check a receipt, once its phase is opened",
    description="Before the phase is opened nobody learns whether a receipt exists: a 404.",
)
def receipt_check(request, sha256: str):
    check = selectors.check_receipt(sha256)
    if check is None:
        raise Http404
    submission = check.submission
    return {
        "sha256": check.receipt.sha256,
        "issued_at": check.receipt.issued_at,
        "withdrawn": check.receipt.withdrawn,
        "final": check.final,
        "matches": check.matches,
        "process": submission.phase.process_id,
        "process_title": submission.phase.process.title,
        "phase": submission.phase.number,
        "organisation": submission.organisation.name,
        "lot": submission.lot.number if submission.lot is not None else None,
    }


# --- a supplier's own ---------------------------------------------------------------------------


@router.get(
    "/processes/submissions/mine",
    response={200: list[SubmissionOut], **ERRORS},
    summary="Your organisations' submissions, unsealed for you",
)
@paginate(Pagination)
def submission_mine(request):
    return selectors.own_submissions(request.auth)


@router.get(
    "/processes/invitations/mine",
    response={200: list[InvitationOut], **ERRORS},
    summary="Invitations of your organisations to later phases",
)
@paginate(Pagination)
def invitation_mine(request):
    return selectors.invitations_for(request.auth)


def _respond(request, pk: int, accept: bool) -> Invitation:
    invitation = (
        Invitation.objects.select_related("phase__process", "organisation").filter(pk=pk).first()
    )
    if invitation is None:
        raise Http404
    services.invitation_respond(actor=request.auth, invitation=invitation, accept=accept)
    return selectors.invitations_for(request.auth).get(pk=pk)


@router.post(
    "/processes/invitations/{pk}/accept",
    response={200: InvitationOut, **ERRORS},
    summary="Accept an invitation to a later phase",
)
def invitation_accept(request, pk: int):
    return _respond(request, pk, accept=True)


@router.post(
    "/processes/invitations/{pk}/decline",
    response={200: InvitationOut, **ERRORS},
    summary="Decline an invitation to a later phase",
)
def invitation_decline(request, pk: int):
    return _respond(request, pk, accept=False)


# --- one process --------------------------------------------------------------------------------


@router.get(
    "/processes/{pk}",
    response={200: ProcessOut, 404: ErrorOut},
    auth=optional_auth,
    summary="A process with its phases, lots and criteria",
)
def process_detail(request, pk: int):
    return _detail(request, pk)


@router.get(
    "/processes/{pk}/questions",
    response={200: list[QuestionOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Clarifications: the answered questions, in the order they were answered",
    description="Who asked a question is never shown, to anyone.",
)
@paginate(Pagination)
def question_list(request, pk: int):
    questions = selectors.answered_questions(_process(request, pk))
    return [
        {
            "id": q.pk,
            "number": number,
            "text": q.text,
            "answer": q.answer,
            "asked_at": q.asked_at,
            "answered_at": q.answered_at,
        }
        for number, q in enumerate(questions, start=1)
    ]


@router.get(
    "/processes/{pk}/timeline",
    response={200: list[EventOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Every decision and change, oldest first",
)
@paginate(Pagination)
def timeline(request, pk: int):
    return selectors.timeline(_process(request, pk))


@router.get(
    "/processes/{pk}/submissions",
    response={200: list[OpenedOut], 404: ErrorOut},
    auth=optional_auth,
    summary="Who submitted to each opened phase, with their receipts",
    description="Empty until a phase is opened after its deadline: before then nobody — not "
    "the buyer — learns whether anyone submitted.",
)
@paginate(Pagination)
def opened_list(request, pk: int):
    process = _process(request, pk)
    phases = process.phases.filter(opened_at__isnull=False).order_by("number")
    return [
        {
            "phase": phase.number,
            "organisation": row.organisation.name,
            "lot": row.submission.lot.number if row.submission.lot is not None else None,
            "receipt": row.receipt,
            "submitted_at": row.submitted_at,
            "verified": row.verified,
        }
        for phase in phases
        for row in selectors.opened(phase)
    ]


# --- suppliers ----------------------------------------------------------------------------------


@router.post(
    "/processes/{pk}/questions",
    response={201: AskedOut, **ERRORS},
    summary="Ask a clarification question (supplier staff), while the enquiry period lasts",
    description="Nobody is told who asked: the answer is published to everyone at once.",
)
def question_ask(request, pk: int, payload: QuestionIn):
    question = services.question_ask(
        actor=request.auth, process=_process(request, pk), text=payload.text
    )
    return Status(201, question)


@router.put(
    "/processes/{pk}/submission",
    response={200: SubmissionOut, **ERRORS},
    summary="Save or submit your organisation's sealed submission to the current phase",
    description="With submit, it is submitted (or its revision resubmitted) and a new receipt "
    "issued; without, a draft is saved. A submitted one changes only by resubmitting. Files are "
    "attached on the submission's page: the API keeps the ones already attached.",
)
def submission_save(request, pk: int, payload: SubmissionIn):
    process = _process(request, pk)
    submission = services.submission_save(
        actor=request.auth,
        process=process,
        organisation=_supplier(request.auth, payload.organisation),
        lot=_lot(process, payload.lot),
        answers=payload.answers,
        price=payload.price,
        submit=payload.submit,
    )
    return _own_submission(request.auth, submission.pk)


@router.post(
    "/processes/{pk}/submission/withdraw",
    response={200: SubmissionOut, **ERRORS},
    summary="Withdraw your organisation's submission to the current phase, before the deadline",
)
def submission_withdraw(request, pk: int, payload: SubmissionRefIn | None = None):
    given = payload or SubmissionRefIn(organisation=None, lot=None)
    process = _process(request, pk)
    organisation = _supplier(request.auth, given.organisation)
    submission = (
        selectors.own_submissions(request.auth, process)
        .filter(
            phase=process.current_phase,
            organisation=organisation,
            lot=_lot(process, given.lot),
        )
        .first()
    )
    if submission is None:
        raise ValidationError("Your organisation has no submission to this phase to withdraw.")
    services.submission_withdraw(actor=request.auth, submission=submission)
    return _own_submission(request.auth, submission.pk)


# --- buyers -------------------------------------------------------------------------------------


@router.post(
    "/processes",
    response={201: ProcessOut, **ERRORS},
    summary="Draft a process for your organisation's specification",
    description="It starts with the kind's phases and criteria, to plan before publishing.",
)
def process_create(request, payload: ProcessIn):
    specification = Specification.objects.filter(pk=payload.specification).first()
    if specification is None:
        raise ValidationError({"specification": "There is no such specification"})
    area = None
    if payload.area:
        area = Area.objects.filter(slug=payload.area, is_active=True).first()
        if area is None:
            raise ValidationError({"area": "There is no such area"})
    process = services.process_create(
        actor=request.auth,
        specification=specification,
        kind=payload.kind,
        title=payload.title,
        summary=payload.summary,
        area=area,
        value_amount=payload.value_amount,
        currency=payload.currency,
        how_to_enter=payload.how_to_enter,
    )
    return Status(201, _detail(request, process.pk))


@router.put(
    "/processes/{pk}/criteria",
    response={200: ProcessOut, **ERRORS},
    summary="Set the weighted criteria (an amendment with a public note once published)",
)
def criteria_set(request, pk: int, payload: CriteriaIn):
    services.criteria_set(
        actor=request.auth,
        process=_process(request, pk),
        criteria=[c.dict() for c in payload.criteria],
        note=payload.note,
    )
    return _detail(request, pk)


@router.put(
    "/processes/{pk}/phases/{number}",
    response={200: ProcessOut, **ERRORS},
    summary="Plan a phase (only before it starts)",
)
def phase_update(request, pk: int, number: int, payload: PhaseIn):
    services.phase_update(
        actor=request.auth,
        process=_process(request, pk),
        number=number,
        title=payload.title,
        description=payload.description,
        budget_amount=payload.budget_amount,
        take_forward=payload.take_forward,
        success_criteria=payload.success_criteria,
        kill_criteria=payload.kill_criteria,
        enquiry_end=payload.enquiry_end,
        deadline=payload.deadline,
        evaluation_date=payload.evaluation_date,
        decision_date=payload.decision_date,
    )
    return _detail(request, pk)


@router.post(
    "/processes/{pk}/publish",
    response={200: ProcessOut, **ERRORS},
    summary="Publish the notice, with its frozen specification",
    description="Every similar past lesson must be acknowledged: a 422 names each one missing "
    "(field lesson_<id>).",
)
def process_publish(request, pk: int, payload: PublishIn | None = None):
    given = payload.acknowledgements if payload is not None else []
    services.process_publish(
        actor=request.auth,
        process=_process(request, pk),
        acknowledgements=[gate.Acknowledgement(a.lesson, a.verdict, a.text) for a in given],
    )
    return _detail(request, pk)


@router.get(
    "/processes/{pk}/questions/waiting",
    response={200: list[WaitingQuestionOut], **ERRORS},
    summary="Questions waiting for an answer (buyer officers of the organisation)",
    description="The text only: who asked is never shown, to the buyer either.",
)
@paginate(Pagination)
def question_waiting(request, pk: int):
    process = _process(request, pk)
    if not can(request.auth, "processes.run", process):
        raise PermissionDenied(f"Only buyer officers of {process.organisation} can answer.")
    return selectors.waiting_questions(request.auth, process)


@router.post(
    "/processes/{pk}/questions/{question_id}/answer",
    response={200: QuestionOut, **ERRORS},
    summary="Answer a question, publishing the answer to everyone",
)
def question_answer(request, pk: int, question_id: int, payload: QuestionAnswerIn):
    process = _process(request, pk)
    question = Question.objects.filter(pk=question_id, process=process).first()
    if question is None:
        raise Http404
    question.process = process
    services.question_answer(actor=request.auth, question=question, answer=payload.answer)
    answered = selectors.answered_questions(process)
    number, question = next((n, q) for n, q in enumerate(answered, 1) if q.pk == question_id)
    return {
        "id": question.pk,
        "number": number,
        "text": question.text,
        "answer": question.answer,
        "asked_at": question.asked_at,
        "answered_at": question.answered_at,
    }


@router.post(
    "/processes/{pk}/extend",
    response={200: ProcessOut, **ERRORS},
    summary="Give more time: move the current phase's deadline later, with a public reason",
)
def deadline_extend(request, pk: int, payload: ExtendIn):
    services.deadline_extend(
        actor=request.auth,
        process=_process(request, pk),
        deadline=payload.deadline,
        reason=payload.reason,
    )
    return _detail(request, pk)


@router.post(
    "/processes/{pk}/open",
    response={200: ProcessOut, **ERRORS},
    summary="Open the current phase's submissions, after its deadline",
    description="A public event: from then on who submitted and their receipts are public.",
)
def phase_open(request, pk: int):
    services.phase_open(actor=request.auth, process=_process(request, pk))
    return _detail(request, pk)


LESSON_NEEDED = (
    "A failure: refused with a 422 (field `lesson`, or `lesson.title` and so on) without what it "
    "teaches — a `lesson`, or the `no_lesson_reason`. Either is published, the lesson in the "
    "lessons register."
)


@router.post(
    "/processes/{pk}/cancel",
    response={200: ProcessOut, **ERRORS},
    summary="Cancel the process, with a public reason and its lesson",
    description=LESSON_NEEDED,
)
def process_cancel(request, pk: int, payload: EndIn):
    services.process_cancel(
        actor=request.auth,
        process=_process(request, pk),
        reason=payload.reason,
        lesson=payload.entry(),
    )
    return _detail(request, pk)


@router.post(
    "/processes/{pk}/unsuccessful",
    response={200: ProcessOut, **ERRORS},
    summary="Close the process without an award, with a public reason and its lesson",
    description=LESSON_NEEDED,
)
def process_unsuccessful(request, pk: int, payload: EndIn):
    services.process_unsuccessful(
        actor=request.auth,
        process=_process(request, pk),
        reason=payload.reason,
        lesson=payload.entry(),
    )
    return _detail(request, pk)


@router.post(
    "/processes/{pk}/invite",
    response={200: list[InvitationOut], **ERRORS},
    summary="Invite suppliers who submitted to the opened phase forward to the next",
)
def invite(request, pk: int, payload: InviteIn):
    process = _process(request, pk)
    # Who may invite is decided before the names are looked up: someone who may not is told so,
    # not which organisations exist.
    if not can(request.auth, "processes.run", process):
        raise PermissionDenied(f"Only buyer officers of {process.organisation} can invite.")
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=payload.organisations)}
    missing = {
        f"organisations.{i}": "There is no such organisation"
        for i, slug in enumerate(payload.organisations)
        if slug not in found
    }
    if missing:
        raise ValidationError(missing)
    made = services.invite(
        actor=request.auth,
        process=process,
        organisations=[found[slug] for slug in dict.fromkeys(payload.organisations)],
    )
    return list(
        Invitation.objects.filter(pk__in=[i.pk for i in made])
        .select_related("phase__process", "organisation")
        .order_by("organisation__name")
    )


@router.post(
    "/processes/{pk}/next-phase",
    response={200: ProcessOut, **ERRORS},
    summary="Start the next phase for the suppliers taken forward",
)
def next_phase(request, pk: int):
    services.phase_start_next(actor=request.auth, process=_process(request, pk))
    return _detail(request, pk)


@router.post(
    "/processes/{pk}/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **ERRORS},
    summary="Revoke an invitation to a phase that has not started (buyer officers)",
    description="The reason is public, and the supplier is told.",
)
def invitation_revoke(request, pk: int, invitation_id: int, payload: DecisionIn):
    process = _process(request, pk)
    invitation = (
        Invitation.objects.select_related("phase__process", "organisation")
        .filter(pk=invitation_id, phase__process=process)
        .first()
    )
    if invitation is None:
        raise Http404
    return services.invitation_revoke(
        actor=request.auth, invitation=invitation, reason=payload.reason
    )
