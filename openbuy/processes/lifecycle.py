"""A process's status, and the one table of the moves between statuses.

The public status is worked out from two things: the last decision (``Process.state``) and the
current phase's dates. A published process is *open for questions* until its enquiry period
ends, then *open for submissions* until the deadline, then *closed* until the buyer opens the
submissions. No scheduler flips a column at the deadline, so a late server clock or a missed
job can never leave a process open past its deadline: :func:`status_at` and :func:`annotate`
give the same answer, in Python and in SQL.

``TRANSITIONS`` lists every allowed move. Decisions (publish, open, cancel, …) are checked
against it by :func:`after`; the timed moves (the enquiry period ending, the deadline passing)
are in it too, so the table is the whole story and is tested exhaustively.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Q, QuerySet, TextChoices, Value, When


class Status(TextChoices):
    DRAFT = "draft", "Draft"
    QUESTIONS = "open_for_questions", "Open for questions"
    SUBMISSIONS = "open_for_submissions", "Open for submissions"
    CLOSED = "closed", "Closed"
    EVALUATION = "in_evaluation", "In evaluation"
    AWARDED = "awarded", "Awarded"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    CANCELLED = "cancelled", "Cancelled"


class Event(TextChoices):
    PUBLISH = "publish", "publish it"
    ENQUIRIES_END = "enquiries_end", "the enquiry period ends"
    DEADLINE = "deadline", "the submission deadline passes"
    ASK = "ask", "ask a question"
    SUBMIT = "submit", "change a submission"
    AMEND = "amend", "amend it"
    EXTEND = "extend", "extend the deadline"
    OPEN = "open", "open the submissions"
    INVITE = "invite", "invite suppliers forward"
    NEXT_PHASE = "next_phase", "start the next phase"
    AWARD = "award", "award it"
    UNSUCCESSFUL = "unsuccessful", "close it without an award"
    CANCEL = "cancel", "cancel it"


S, E = Status, Event
TIMED = frozenset({E.ENQUIRIES_END, E.DEADLINE})

TRANSITIONS: dict[Status, dict[Event, Status]] = {
    S.DRAFT: {E.PUBLISH: S.QUESTIONS, E.CANCEL: S.CANCELLED},
    S.QUESTIONS: {
        E.ENQUIRIES_END: S.SUBMISSIONS,
        E.ASK: S.QUESTIONS,
        E.SUBMIT: S.QUESTIONS,
        E.AMEND: S.QUESTIONS,
        E.EXTEND: S.QUESTIONS,
        E.CANCEL: S.CANCELLED,
    },
    S.SUBMISSIONS: {
        E.DEADLINE: S.CLOSED,
        E.SUBMIT: S.SUBMISSIONS,
        E.AMEND: S.SUBMISSIONS,
        E.EXTEND: S.SUBMISSIONS,
        E.CANCEL: S.CANCELLED,
    },
    S.CLOSED: {E.OPEN: S.EVALUATION, E.CANCEL: S.CANCELLED},
    S.EVALUATION: {
        E.INVITE: S.EVALUATION,
        E.NEXT_PHASE: S.QUESTIONS,
        E.AWARD: S.AWARDED,
        E.UNSUCCESSFUL: S.UNSUCCESSFUL,
        E.CANCEL: S.CANCELLED,
    },
    S.AWARDED: {},
    S.UNSUCCESSFUL: {},
    S.CANCELLED: {},
}

# The decision each status is stored as (the timed statuses are all "live").
STATE_OF = {
    S.DRAFT: "draft",
    S.QUESTIONS: "live",
    S.SUBMISSIONS: "live",
    S.CLOSED: "live",
    S.EVALUATION: "evaluating",
    S.AWARDED: "awarded",
    S.UNSUCCESSFUL: "unsuccessful",
    S.CANCELLED: "cancelled",
}
_FIXED = {"draft": S.DRAFT, "evaluating": S.EVALUATION, "awarded": S.AWARDED}
_FIXED |= {"unsuccessful": S.UNSUCCESSFUL, "cancelled": S.CANCELLED}


def status_at(
    state: str, enquiry_end: datetime | None, deadline: datetime | None, now: datetime
) -> Status:
    """The status of a process with this decision and current-phase dates, at ``now``."""
    if state in _FIXED:
        return _FIXED[state]
    if enquiry_end is not None and now < enquiry_end:
        return S.QUESTIONS
    if deadline is not None and now < deadline:
        return S.SUBMISSIONS
    return S.CLOSED


def status_of(process, now: datetime) -> Status:
    phase = process.current_phase
    return status_at(
        process.state,
        phase.enquiry_end if phase is not None else None,
        phase.deadline if phase is not None else None,
        now,
    )


def after(status: Status, event: Event) -> Status:
    """Where ``event`` takes a process in ``status``, or a ValidationError saying why not."""
    moves = TRANSITIONS[Status(status)]
    if event not in moves:
        raise ValidationError(
            f"You cannot {Event(event).label} while the process is {Status(status).label.lower()}."
        )
    return moves[event]


def allowed(status: Status, event: Event) -> bool:
    return event in TRANSITIONS[Status(status)]


def annotate(queryset: QuerySet, now: datetime) -> QuerySet:
    """Add ``status`` to each process, worked out in the database exactly as :func:`status_at`."""
    whens = [When(state=state, then=Value(status.value)) for state, status in _FIXED.items()]
    whens += [
        When(
            Q(current_phase__enquiry_end__isnull=False, current_phase__enquiry_end__gt=now),
            then=Value(S.QUESTIONS.value),
        ),
        When(
            Q(current_phase__deadline__isnull=False, current_phase__deadline__gt=now),
            then=Value(S.SUBMISSIONS.value),
        ),
    ]
    return queryset.annotate(
        status=Case(*whens, default=Value(S.CLOSED.value), output_field=CharField())
    )


def with_status(queryset: QuerySet, statuses, now: datetime) -> QuerySet:
    """Only processes whose status, now, is one of ``statuses``."""
    return annotate(queryset, now).filter(status__in=[Status(s).value for s in statuses])
