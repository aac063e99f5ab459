"""The status of a process and the one table of moves between statuses.

The expected table is written out here on its own, not read from ``lifecycle.TRANSITIONS``: a
change to what a process allows must be a change to this test too.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from openbuy import clock as openbuy_clock
from openbuy.lessons import capture
from openbuy.processes import lifecycle, services
from openbuy.processes.lifecycle import Event, Status
from openbuy.processes.models import Process
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services

S, E = Status, Event
DAY = timedelta(days=1)

EXPECTED = {
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


def test_the_expected_table_names_every_status():
    assert set(EXPECTED) == set(Status)


@pytest.mark.parametrize("event", list(Event), ids=lambda e: e.value)
@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_every_move_leads_where_the_table_says_or_is_refused_in_words(status, event):
    target = EXPECTED[status].get(event)
    # Services pass both members and plain strings (a stored value): both must work.
    for given_status, given_event in [(status, event), (status.value, event.value)]:
        if target is not None:
            assert lifecycle.after(given_status, given_event) == target
            assert lifecycle.allowed(given_status, given_event)
        else:
            with pytest.raises(ValidationError) as refused:
                lifecycle.after(given_status, given_event)
            assert not lifecycle.allowed(given_status, given_event)
            message = refused.value.messages[0]
            assert message == (
                f"You cannot {event.label} while the process is {status.label.lower()}."
            )
            assert "Event." not in message and "Status." not in message


def test_terminal_statuses_allow_nothing_not_even_cancelling():
    for status in (S.AWARDED, S.UNSUCCESSFUL, S.CANCELLED):
        assert not any(lifecycle.allowed(status, event) for event in Event)


def test_every_status_is_stored_as_a_decision_the_model_knows():
    assert set(lifecycle.STATE_OF) == set(Status)
    assert set(lifecycle.STATE_OF.values()) == set(Process.State.values)


# --- status_at: the stored decision and the current phase's dates ------------------------------

T = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENQUIRY_END = T + 7 * DAY
DEADLINE = T + 21 * DAY
SECOND = timedelta(seconds=1)
MOMENTS = {
    "long before": T - 30 * DAY,
    "just before the enquiry end": ENQUIRY_END - SECOND,
    "at the enquiry end": ENQUIRY_END,
    "between": ENQUIRY_END + DAY,
    "just before the deadline": DEADLINE - SECOND,
    "at the deadline": DEADLINE,
    "long after": DEADLINE + 300 * DAY,
}
FIXED = {
    "draft": S.DRAFT,
    "evaluating": S.EVALUATION,
    "awarded": S.AWARDED,
    "unsuccessful": S.UNSUCCESSFUL,
    "cancelled": S.CANCELLED,
}


@pytest.mark.parametrize("state", list(FIXED))
@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("dates", ["both", "deadline only", "none"])
def test_a_decided_state_is_the_status_whatever_the_dates(state, moment, dates):
    enquiry_end = ENQUIRY_END if dates == "both" else None
    deadline = DEADLINE if dates != "none" else None
    assert lifecycle.status_at(state, enquiry_end, deadline, MOMENTS[moment]) == FIXED[state]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("long before", S.QUESTIONS),
        ("just before the enquiry end", S.QUESTIONS),
        ("at the enquiry end", S.SUBMISSIONS),
        ("between", S.SUBMISSIONS),
        ("just before the deadline", S.SUBMISSIONS),
        ("at the deadline", S.CLOSED),
        ("long after", S.CLOSED),
    ],
)
def test_a_live_process_follows_its_dates(moment, expected):
    assert lifecycle.status_at("live", ENQUIRY_END, DEADLINE, MOMENTS[moment]) == expected


@pytest.mark.parametrize(
    ("enquiry_end", "deadline", "moment", "expected"),
    [
        (None, DEADLINE, "long before", S.SUBMISSIONS),
        (None, DEADLINE, "at the deadline", S.CLOSED),
        (ENQUIRY_END, None, "long before", S.QUESTIONS),
        (ENQUIRY_END, None, "between", S.CLOSED),
        (None, None, "long before", S.CLOSED),
        # Enquiries ending with the deadline: no moment open only for submissions.
        (DEADLINE, DEADLINE, "just before the deadline", S.QUESTIONS),
        (DEADLINE, DEADLINE, "at the deadline", S.CLOSED),
    ],
)
def test_a_live_process_with_missing_or_equal_dates(enquiry_end, deadline, moment, expected):
    assert lifecycle.status_at("live", enquiry_end, deadline, MOMENTS[moment]) == expected


# --- annotate (SQL) agrees with status_at (Python) on real processes ---------------------------


def _frozen_spec(personas, title):
    spec = spec_services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title=title
    )
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    return spec


def _process(personas, title, *, kind="tender", publish=True, **dates):
    buyer = personas["buyer"]
    process = services.process_create(
        actor=buyer,
        specification=_frozen_spec(personas, title),
        kind=kind,
        how_to_enter="Send a short proposal.",
    )
    plan(process, buyer, **dates)
    if publish:
        services.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    return process


def _statuses(now):
    """Every process's status worked out by the database and by Python, at ``now``."""
    in_sql = dict(lifecycle.annotate(Process.objects.all(), now).values_list("title", "status"))
    in_python = {
        p.title: lifecycle.status_of(p, now).value
        for p in Process.objects.select_related("current_phase")
    }
    return in_sql, in_python


@pytest.mark.django_db
def test_the_database_works_out_the_same_status_as_python_at_every_moment(personas, clock):
    buyer = personas["buyer"]
    _process(personas, "Drafted", publish=False)
    _process(personas, "Asking", enquiry_days=7, deadline_days=21)
    _process(personas, "Submitting", enquiry_days=1, deadline_days=21)
    _process(personas, "Closing", enquiry_days=1, deadline_days=2)
    evaluating = _process(personas, "Evaluating", enquiry_days=1, deadline_days=2)
    unsuccessful = _process(personas, "Unsuccessful", enquiry_days=1, deadline_days=2)
    awarded = _process(personas, "Awarded", enquiry_days=1, deadline_days=2)
    cancelled = _process(personas, "Cancelled", enquiry_days=7, deadline_days=21)
    staged = _process(personas, "Staged", kind="staged", enquiry_days=1, deadline_days=2)
    services.process_cancel(
        actor=buyer,
        process=cancelled,
        reason="The need went away.",
        lesson=capture.no_lesson("The service it was for closed."),
    )

    clock.shift(2 * 86400 + 3600)  # past the two-day deadlines
    for process in (evaluating, unsuccessful, awarded, staged):
        services.phase_open(actor=buyer, process=process)
    services.process_unsuccessful(
        actor=buyer,
        process=unsuccessful,
        reason="Nobody submitted.",
        lesson=capture.no_lesson("Too early to say why."),
    )
    # Awarding is a later stage's service; the stored decision is all the status reads.
    Process.objects.filter(pk=awarded.pk).update(state=Process.State.AWARDED)

    now = openbuy_clock.now()
    in_sql, in_python = _statuses(now)
    assert (
        in_sql
        == in_python
        == {
            "Drafted": "draft",
            "Asking": "open_for_questions",
            "Submitting": "open_for_submissions",
            "Closing": "closed",
            "Evaluating": "in_evaluation",
            "Unsuccessful": "unsuccessful",
            "Awarded": "awarded",
            "Cancelled": "cancelled",
            "Staged": "in_evaluation",
        }
    )

    asking = Process.objects.select_related("current_phase").get(title="Asking")
    enquiry_end, deadline = asking.current_phase.enquiry_end, asking.current_phase.deadline
    moments = [
        now - 3 * DAY,
        enquiry_end - SECOND,
        enquiry_end,
        enquiry_end + SECOND,
        deadline - SECOND,
        deadline,
        deadline + SECOND,
        deadline + 90 * DAY,
    ]
    seen = set()
    for moment in moments:
        in_sql, in_python = _statuses(moment)
        assert in_sql == in_python, moment
        seen |= set(in_sql.values())
        filtered = lifecycle.with_status(
            Process.objects.all(), [S.SUBMISSIONS, S.CLOSED], moment
        ).values_list("title", flat=True)
        assert sorted(filtered) == sorted(
            title
            for title, status in in_python.items()
            if status in ("open_for_submissions", "closed")
        )
    assert seen == set(Status.values)
    assert _statuses(enquiry_end)[0]["Asking"] == "open_for_submissions"
    assert _statuses(deadline)[0]["Asking"] == "closed"
