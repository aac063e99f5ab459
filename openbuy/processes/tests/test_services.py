"""Running a process through its services: publishing, questions, the unanswered-question rule,
amendments, sealed submissions, opening, invitations and the next phase.

The ``tender`` fixture is published at 2026-11-25 12:00 UTC: questions until 2 December, the
deadline at 12:00 on 16 December 2026 (GMT, so the same on the clock and in London).
"""

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection, transaction

from openbuy import clock as openbuy_clock
from openbuy.accounts.models import Membership, User
from openbuy.audit.models import AuditEvent
from openbuy.audit.services import verify_chain
from openbuy.discussion import notifications
from openbuy.discussion.models import Notification
from openbuy.processes import lifecycle, sealing, selectors, services
from openbuy.processes.lifecycle import Status
from openbuy.processes.models import (
    Criterion,
    Invitation,
    Process,
    ProcessEvent,
    Question,
    Receipt,
    Submission,
)
from openbuy.processes.tests.conftest import plan
from openbuy.specifications import services as spec_services
from openbuy.specifications.models import Specification, SpecVersion

DAY = timedelta(days=1)
HOUR = 3600
DAYS = 86400
PUBLISHED_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENQUIRY_END = PUBLISHED_AT + 7 * DAY
DEADLINE = PUBLISHED_AT + 21 * DAY

TENDER_CRITERIA = [
    {"kind": "quality", "name": "Quality", "weight": 60},
    {"kind": "price", "name": "Price", "weight": 30},
    {"kind": "social_value", "name": "Social value", "weight": 10},
]


def _deadline(process):
    return Process.objects.select_related("current_phase").get(pk=process.pk).current_phase.deadline


def _status(process):
    process = Process.objects.select_related("current_phase").get(pk=process.pk)
    return lifecycle.status_of(process, openbuy_clock.now())


def _settle(process, now):
    """Run the unanswered-question rule on one process, as every service does first."""
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        return services.settle(locked, now)


def _messages(user):
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


def _frozen_spec(personas, title):
    spec = spec_services.specification_create(
        actor=personas["buyer"], organisation=personas["council"], title=title
    )
    spec_services.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    return spec


def _published(personas, title, *, kind="tender", **dates):
    buyer = personas["buyer"]
    process = services.process_create(
        actor=buyer, specification=_frozen_spec(personas, title), kind=kind
    )
    plan(process, buyer, **dates)
    services.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    return process


# --- publishing --------------------------------------------------------------------------------


def test_publishing_publishes_the_frozen_specification_and_the_timeline(personas, draft_tender):
    spec = draft_tender.specification
    process = services.process_publish(actor=personas["buyer"], process=draft_tender)
    process = Process.objects.get(pk=process.pk)
    spec = Specification.objects.get(pk=spec.pk)
    assert process.state == Process.State.LIVE
    assert process.published_at == PUBLISHED_AT
    assert spec.status == Specification.Status.PUBLISHED
    assert process.spec_version_id == spec.frozen_version_id is not None
    assert _status(process) == Status.QUESTIONS
    event = process.events.get(kind=ProcessEvent.Kind.PUBLISHED)
    assert event.after["deadline"] == DEADLINE.isoformat()
    assert "16 December 2026 12:00" in event.summary
    with pytest.raises(ValidationError, match="publish it while the process is open"):
        services.process_publish(actor=personas["buyer"], process=process)


def test_publishing_needs_a_frozen_specification(personas, draft_tender):
    spec_services.specification_reopen(
        actor=personas["buyer"], spec=draft_tender.specification, reason="One more outcome."
    )
    with pytest.raises(ValidationError) as refused:
        services.process_publish(actor=personas["buyer"], process=draft_tender)
    assert "Freeze the specification" in refused.value.message_dict["specification"][0]
    draft_tender.refresh_from_db()
    assert draft_tender.state == Process.State.DRAFT
    spec = Specification.objects.get(pk=draft_tender.specification_id)
    assert spec.status == Specification.Status.DRAFTING


def test_weights_must_add_up_to_100(personas, draft_tender):
    criteria = [dict(c) for c in TENDER_CRITERIA]
    criteria[0]["weight"] = 70
    with pytest.raises(ValidationError) as refused:
        services.criteria_set(actor=personas["buyer"], process=draft_tender, criteria=criteria)
    assert refused.value.message_dict["criteria"] == [
        "The weights must add up to 100 (they add up to 110)"
    ]
    # Weights broken behind the services' back are still caught at publication.
    Criterion.objects.filter(process=draft_tender, number=1).update(weight=50)
    with pytest.raises(ValidationError) as refused:
        services.process_publish(actor=personas["buyer"], process=draft_tender)
    assert "add up to 100 (they add up to 90)" in refused.value.message_dict["criteria"][0]


def test_a_tender_must_weigh_price(personas, draft_tender):
    without_price = [
        {"kind": "quality", "name": "Quality", "weight": 80},
        {"kind": "social_value", "name": "Social value", "weight": 20},
    ]
    with pytest.raises(ValidationError) as refused:
        services.criteria_set(actor=personas["buyer"], process=draft_tender, criteria=without_price)
    assert refused.value.message_dict["criteria"] == ["Weigh price as one of the criteria"]


def test_a_challenge_must_say_how_to_enter(personas, frozen_spec, clock):
    buyer = personas["buyer"]
    challenge = services.process_create(actor=buyer, specification=frozen_spec, kind="challenge")
    plan(challenge, buyer)
    with pytest.raises(ValidationError) as refused:
        services.process_publish(actor=buyer, process=challenge)
    assert set(refused.value.message_dict) == {"how_to_enter"}
    services.process_update(
        actor=buyer,
        process=challenge,
        title=challenge.title,
        how_to_enter="Anyone may enter: send two pages by the deadline.",
    )
    services.process_publish(actor=buyer, process=challenge)
    challenge.refresh_from_db()
    assert challenge.state == Process.State.LIVE


def test_phase_one_needs_its_dates(personas, frozen_spec, clock):
    buyer = personas["buyer"]
    process = services.process_create(actor=buyer, specification=frozen_spec, kind="tender")
    with pytest.raises(ValidationError) as refused:
        services.process_publish(actor=buyer, process=process)
    assert set(refused.value.message_dict) == {"phases.1.deadline"}


def test_phase_one_dates_must_be_in_the_future(personas, draft_tender, clock):
    clock.shift(8 * DAYS)  # past the planned end of the enquiry period
    with pytest.raises(ValidationError) as refused:
        services.process_publish(actor=personas["buyer"], process=draft_tender)
    assert refused.value.message_dict == {
        "phases.1.enquiry_end": ["The enquiry period must end in the future"]
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("buyer", True),
        ("org_admin", True),  # admin of the council: runs its processes
        ("other_buyer", False),
        ("frontline", False),
        ("resident", False),
        ("supplier", False),
        ("evaluator", False),
        ("moderator", False),
        ("admin", False),
    ],
)
def test_only_the_buying_organisations_buyers_publish(personas, draft_tender, who, allowed):
    if allowed:
        services.process_publish(actor=personas[who], process=draft_tender)
        assert Process.objects.get(pk=draft_tender.pk).state == Process.State.LIVE
    else:
        with pytest.raises(PermissionDenied):
            services.process_publish(actor=personas[who], process=draft_tender)
        assert Process.objects.get(pk=draft_tender.pk).state == Process.State.DRAFT
        assert not ProcessEvent.objects.filter(kind=ProcessEvent.Kind.PUBLISHED).exists()


# --- clarification questions -------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["buyer", "org_admin", "other_buyer", "frontline", "resident", "evaluator", "admin"]
)
def test_only_supplier_members_ask(personas, tender, who):
    with pytest.raises(PermissionDenied):
        services.question_ask(actor=personas[who], process=tender, text="Is parking included?")
    assert not Question.objects.exists()


def test_questions_close_with_the_enquiry_period(personas, tender, clock):
    services.question_ask(actor=personas["supplier"], process=tender, text="Is parking included?")
    clock.shift(7 * DAYS)  # exactly the end of the enquiry period
    with pytest.raises(ValidationError) as refused:
        services.question_ask(actor=personas["supplier"], process=tender, text="And at night?")
    assert refused.value.message_dict == {
        "question": ["The enquiry period has ended: questions can no longer be asked"]
    }
    assert Question.objects.count() == 1


def test_a_supplier_asks_at_most_ten_questions_in_ten_minutes(personas, tender, clock):
    for number in range(10):
        services.question_ask(
            actor=personas["supplier"], process=tender, text=f"Question {number}?"
        )
    with pytest.raises(ValidationError, match="posted 10 times in the last 10 minutes"):
        services.question_ask(actor=personas["supplier"], process=tender, text="One more?")
    assert Question.objects.count() == 10
    clock.shift(timedelta(minutes=10, seconds=1))
    services.question_ask(actor=personas["supplier"], process=tender, text="One more?")
    assert Question.objects.count() == 11


def test_a_draft_takes_no_questions(personas, draft_tender):
    with pytest.raises(ValidationError, match="not taking questions"):
        services.question_ask(
            actor=personas["supplier"], process=draft_tender, text="Is parking included?"
        )


def test_the_asker_is_never_read_by_the_question_lists(personas, tender):
    asked = services.question_ask(
        actor=personas["supplier"], process=tender, text="Is parking included?"
    )
    waiting = selectors.waiting_questions(personas["buyer"], tender)
    assert [q.pk for q in waiting] == [asked.pk]
    for question in waiting:
        assert {"asker_id", "answered_by_id"} <= question.get_deferred_fields()
        assert "asker_id" not in vars(question)
    for who in ("supplier", "other_buyer", "admin", "resident"):
        with pytest.raises(PermissionDenied):
            selectors.waiting_questions(personas[who], tender)
    services.question_answer(actor=personas["buyer"], question=asked, answer="Yes, two spaces.")
    assert selectors.waiting_questions(personas["buyer"], tender) == []
    answered = selectors.answered_questions(tender)
    assert [(q.text, q.answer) for q in answered] == [("Is parking included?", "Yes, two spaces.")]
    for question in answered:
        assert "asker_id" in question.get_deferred_fields()
        assert "asker_id" not in vars(question)
    # The asker still sees their own question.
    assert selectors.own_questions(personas["supplier"], tender) == [asked]
    assert selectors.own_questions(personas["resident"], tender) == []


def test_an_answer_tells_followers_and_starters_but_nobody_who_asked(
    personas, tender, submit, rival
):
    notifications.follow(actor=personas["resident"], target=tender)
    submit(tender, "rival", submit=False)  # Northgate has started a draft
    asked = services.question_ask(
        actor=personas["supplier"], process=tender, text="Is parking included?"
    )
    # The buyers hear that a question waits, not who asked it.
    for buyer in ("buyer", "org_admin"):
        assert _messages(personas[buyer]) == [f"A supplier asked a question about “{tender.title}”"]
    Notification.objects.all().delete()

    services.question_answer(actor=personas["buyer"], question=asked, answer="Yes, two spaces.")
    told = f"A question about “{tender.title}” was answered"
    for who in ("resident", "rival", "supplier"):
        assert _messages(personas[who]) == [told], who
    for who in ("buyer", "org_admin", "other_buyer", "frontline", "evaluator", "admin"):
        assert _messages(personas[who]) == [], who

    sam = personas["supplier"]
    identities = [sam.name, sam.email, "Patel Mobility"]
    public = [
        *Notification.objects.values_list("message", "url"),
        *ProcessEvent.objects.values_list("summary", "note"),
        *ProcessEvent.objects.values_list("before", "after"),
        *AuditEvent.objects.filter(is_public=True, action__startswith="process.").values_list(
            "summary", "changes", "actor_label"
        ),
    ]
    for row in public:
        for identity in identities:
            assert identity not in str(row), row
    assert not ProcessEvent.objects.filter(actor=sam).exists()


# --- the unanswered-question rule --------------------------------------------------------------


def _extensions(process):
    return list(
        process.events.filter(kind=ProcessEvent.Kind.DEADLINE_EXTENDED)
        .order_by("at", "id")
        .values_list("at", "before", "after", "actor")
    )


def test_an_unanswered_question_moves_the_deadline_on_publicly(personas, tender, submit, clock):
    services.question_ask(actor=personas["supplier"], process=tender, text="Is parking included?")
    clock.move_to(DEADLINE + timedelta(hours=1))
    # Sam can still submit after the published deadline: it has moved on by three days.
    submission = submit(tender)
    assert submission.state == Submission.State.SUBMITTED
    new = DEADLINE + 3 * DAY
    assert _deadline(tender) == new
    assert _extensions(tender) == [
        (DEADLINE, {"deadline": DEADLINE.isoformat()}, {"deadline": new.isoformat()}, None)
    ]
    event = tender.events.get(kind=ProcessEvent.Kind.DEADLINE_EXTENDED)
    assert "16 December 2026 12:00 to 19 December 2026 12:00" in event.summary
    assert "unanswered" in event.summary
    assert _status(tender) == Status.SUBMISSIONS


def test_a_question_answered_in_time_moves_nothing(personas, tender, submit, clock):
    asked = services.question_ask(
        actor=personas["supplier"], process=tender, text="Is parking included?"
    )
    clock.move_to(DEADLINE - timedelta(hours=1))
    services.question_answer(actor=personas["buyer"], question=asked, answer="Yes.")
    clock.move_to(DEADLINE + timedelta(seconds=1))
    with pytest.raises(ValidationError, match="deadline passed"):
        submit(tender)
    assert services.settle_due() == 0
    assert _deadline(tender) == DEADLINE
    assert _extensions(tender) == []
    assert _status(tender) == Status.CLOSED


def test_a_question_asked_too_close_to_the_deadline_moves_nothing(personas, frozen_spec, clock):
    # Enquiries until two days before the deadline: a question asked then is under three days.
    tender = services.process_create(
        actor=personas["buyer"], specification=frozen_spec, kind="tender"
    )
    plan(tender, personas["buyer"], enquiry_days=20, deadline_days=21)
    services.process_publish(actor=personas["buyer"], process=tender)
    clock.move_to(DEADLINE - 3 * DAY + timedelta(seconds=1))
    services.question_ask(actor=personas["supplier"], process=tender, text="Is parking included?")
    clock.move_to(DEADLINE + DAY)
    assert services.settle_due() == 0
    assert _deadline(tender) == DEADLINE


def test_a_question_asked_exactly_the_grace_before_counts(personas, frozen_spec, clock):
    tender = services.process_create(
        actor=personas["buyer"], specification=frozen_spec, kind="tender"
    )
    plan(tender, personas["buyer"], enquiry_days=20, deadline_days=21)
    services.process_publish(actor=personas["buyer"], process=tender)
    clock.move_to(DEADLINE - 3 * DAY)
    services.question_ask(actor=personas["supplier"], process=tender, text="Is parking included?")
    clock.move_to(DEADLINE + timedelta(hours=1))
    assert services.settle_due() == 1
    assert _deadline(tender) == DEADLINE + 3 * DAY


@pytest.mark.parametrize("answered_after_days", [2, None])
def test_settling_gives_the_same_result_whenever_it_runs(personas, clock, answered_after_days):
    """Two identical tenders, one question each: one is settled every few hours, the other
    only when the question is answered and days later. They end identically."""
    often = _published(personas, "Settled often")
    rarely = _published(personas, "Settled rarely")
    questions = {
        p.pk: services.question_ask(actor=personas["supplier"], process=p, text="Parking?")
        for p in (often, rarely)
    }
    end = DEADLINE + 10 * DAY
    answer_at = DEADLINE + answered_after_days * DAY if answered_after_days else None
    moment = DEADLINE - DAY
    while moment <= end:
        clock.move_to(moment)
        if answer_at is not None and answer_at <= moment < answer_at + timedelta(hours=6):
            for process in (often, rarely):
                services.question_answer(
                    actor=personas["buyer"], question=questions[process.pk], answer="Yes."
                )
        _settle(often, moment)
        moment += timedelta(hours=6)
    clock.move_to(end)
    services.settle_due()

    assert _extensions(often) == _extensions(rarely)
    assert _deadline(often) == _deadline(rarely)
    if answered_after_days:
        # Unanswered at the deadline, answered before the first extension ran out.
        assert _deadline(often) == DEADLINE + 3 * DAY
        assert [e[0] for e in _extensions(often)] == [DEADLINE]
    else:
        # Unanswered every time the deadline came: moved on three days at a time.
        assert _deadline(often) == DEADLINE + 12 * DAY
        assert [e[0] for e in _extensions(often)] == [DEADLINE + n * 3 * DAY for n in range(4)]


def test_settle_due_finds_the_processes_whose_deadline_came_with_a_question_waiting(
    personas, tender, clock
):
    other = _published(personas, "Nobody asked")
    services.question_ask(actor=personas["supplier"], process=tender, text="Parking?")
    clock.move_to(DEADLINE - timedelta(seconds=1))
    assert services.settle_due() == 0
    clock.move_to(DEADLINE)
    assert services.settle_due() == 1
    assert services.settle_due() == 0
    assert _deadline(tender) == DEADLINE + 3 * DAY
    assert _deadline(other) == DEADLINE
    assert _status(tender) == Status.SUBMISSIONS
    assert _status(other) == Status.CLOSED


def test_withdrawing_a_question_after_the_deadline_keeps_the_extension_it_earned(
    personas, tender, clock
):
    asked = services.question_ask(actor=personas["supplier"], process=tender, text="Parking?")
    clock.move_to(DEADLINE + DAY)
    # Nothing has settled the tender yet; the question was unanswered at the deadline.
    services.question_withdraw(actor=personas["supplier"], question=asked)
    services.settle_due()
    assert _deadline(tender) == DEADLINE + 3 * DAY
    assert _status(tender) == Status.SUBMISSIONS


# --- amendments --------------------------------------------------------------------------------


def _amend(personas, process, note="Opening until 10pm."):
    spec = Specification.objects.get(pk=process.specification_id)
    return spec_services.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="outcomes",
        body="Residents can use the library until 10pm.",
        note=note,
    )


def test_an_amendment_with_two_days_left_leaves_five(personas, tender, submit, rival, clock):
    submit(tender, "rival", submit=False)
    clock.move_to(DEADLINE - 2 * DAY)
    version = _amend(personas, tender)
    assert version.kind == SpecVersion.Kind.AMENDMENT
    tender.refresh_from_db()
    assert tender.spec_version == version
    assert Specification.objects.get(pk=tender.specification_id).frozen_version == version
    now = openbuy_clock.now()
    assert _deadline(tender) == now + 5 * DAY
    kinds = list(tender.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [ProcessEvent.Kind.AMENDED, ProcessEvent.Kind.DEADLINE_EXTENDED]
    assert "Opening until 10pm." in tender.events.get(kind=ProcessEvent.Kind.AMENDED).summary
    amended = f"“{tender.title}” was amended: Opening until 10pm."
    assert amended in _messages(personas["rival"])
    assert amended not in _messages(personas["supplier"])  # Sam has not started one


def test_an_amendment_with_ten_days_left_keeps_the_deadline(personas, tender, clock):
    clock.move_to(DEADLINE - 10 * DAY)
    version = _amend(personas, tender)
    tender.refresh_from_db()
    assert tender.spec_version == version
    assert _deadline(tender) == DEADLINE
    assert not tender.events.filter(kind=ProcessEvent.Kind.DEADLINE_EXTENDED).exists()


def test_an_amendment_needs_a_note(personas, tender):
    with pytest.raises(ValidationError) as refused:
        _amend(personas, tender, note="")
    assert "note" in refused.value.message_dict


@pytest.mark.parametrize("opened", [False, True])
def test_no_amendment_after_the_deadline(personas, tender, clock, opened):
    spec = Specification.objects.get(pk=tender.specification_id)
    before = (spec.version_count, spec.frozen_version_id)
    clock.move_to(DEADLINE + timedelta(seconds=1))
    if opened:
        services.phase_open(actor=personas["buyer"], process=tender)
    with pytest.raises(ValidationError, match="You cannot amend it"):
        _amend(personas, tender)
    spec.refresh_from_db()
    assert (spec.version_count, spec.frozen_version_id) == before
    tender.refresh_from_db()
    assert tender.spec_version_id == before[1]
    assert not tender.events.filter(kind=ProcessEvent.Kind.AMENDED).exists()


def test_changing_live_criteria_is_an_amendment_of_the_judging_section(
    personas, tender, submit, rival, clock
):
    submit(tender, "rival", submit=False)
    clock.move_to(DEADLINE - 2 * DAY)
    criteria = [
        {"kind": "quality", "name": "Quality", "weight": 50},
        {"kind": "price", "name": "Price", "weight": 40},
        {"kind": "social_value", "name": "Social value", "weight": 10},
    ]
    with pytest.raises(ValidationError) as refused:
        services.criteria_set(actor=personas["buyer"], process=tender, criteria=criteria)
    assert "note" in refused.value.message_dict
    assert list(tender.criteria.values_list("weight", flat=True)) == [60, 30, 10]

    services.criteria_set(
        actor=personas["buyer"], process=tender, criteria=criteria, note="More weight on price."
    )
    assert list(tender.criteria.values_list("weight", flat=True)) == [50, 40, 10]
    spec = Specification.objects.get(pk=tender.specification_id)
    version = spec.current_version
    assert version.kind == SpecVersion.Kind.AMENDMENT
    assert version.changed_sections == ["judging"]
    assert "| Price | Price | 40% |" in version.section("judging")["body"]
    tender.refresh_from_db()
    assert tender.spec_version == version
    assert _deadline(tender) == openbuy_clock.now() + 5 * DAY
    event = tender.events.get(kind=ProcessEvent.Kind.CRITERIA_AMENDED)
    assert event.note == "More weight on price."
    assert [c["weight"] for c in event.before["criteria"]] == [60, 30, 10]
    assert any("was amended" in m for m in _messages(personas["rival"]))


def test_criteria_can_change_while_an_unanswered_question_holds_the_deadline(
    personas, tender, clock
):
    services.question_ask(actor=personas["supplier"], process=tender, text="Parking?")
    clock.move_to(DEADLINE + timedelta(hours=1))
    # Nothing has settled the tender yet, but its deadline has moved on: it is still open.
    services.criteria_set(
        actor=personas["buyer"], process=tender, criteria=TENDER_CRITERIA, note="Renamed."
    )
    assert tender.events.filter(kind=ProcessEvent.Kind.CRITERIA_AMENDED).exists()
    # Three days from the first extension, less than five from now: the amendment adds time.
    assert _deadline(tender) == openbuy_clock.now() + 5 * DAY


def test_criteria_cannot_change_after_the_deadline(personas, tender, clock):
    clock.move_to(DEADLINE + timedelta(seconds=1))
    with pytest.raises(ValidationError, match="You cannot amend it"):
        services.criteria_set(
            actor=personas["buyer"], process=tender, criteria=TENDER_CRITERIA, note="Late."
        )


# --- sealed submissions ------------------------------------------------------------------------


def test_a_draft_then_a_submission_gets_a_receipt_of_its_content(personas, tender, submit):
    draft = submit(tender, text="First thoughts", submit=False)
    assert draft.state == Submission.State.DRAFT
    assert draft.receipt == "" and not Receipt.objects.exists()
    assert b"First thoughts" not in bytes(draft.sealed)

    submitted = submit(tender, text="Our answer", price="1000")
    assert submitted.pk == draft.pk
    assert submitted.state == Submission.State.SUBMITTED
    assert submitted.submitted_at == PUBLISHED_AT
    content = services.submission_content(Submission.objects.get(pk=submitted.pk))
    assert content["answers"] == {"1": "Our answer", "3": "Our answer"}
    assert content["price"] == "1000.00"
    assert submitted.receipt == sealing.receipt(content)
    assert submitted.receipt == hashlib.sha256(sealing.canonical(content)).hexdigest()
    assert list(Receipt.objects.values_list("sha256", "withdrawn")) == [(submitted.receipt, False)]
    assert f"Receipt: {submitted.receipt}" in _messages(personas["supplier"])[0]


def test_a_revision_gets_a_new_receipt_and_keeps_the_old_one(personas, tender, submit, clock):
    first = submit(tender, text="Our answer").receipt
    clock.shift(HOUR)
    revised = submit(tender, text="Our better answer")
    assert revised.receipt != first
    assert revised.receipt == sealing.receipt(services.submission_content(revised))
    assert list(revised.receipts.values_list("sha256", flat=True)) == [first, revised.receipt]
    assert Submission.objects.count() == 1


def test_a_submitted_one_is_not_saved_as_a_draft(personas, tender, submit):
    submitted = submit(tender, text="Our answer")
    with pytest.raises(ValidationError, match="submit your changes as a revision"):
        submit(tender, text="Half a thought", submit=False)
    assert services.submission_content(Submission.objects.get(pk=submitted.pk))["answers"] == {
        "1": "Our answer",
        "3": "Our answer",
    }


def test_withdrawing_a_submission(personas, tender, submit):
    submission = submit(tender)
    withdrawn = services.submission_withdraw(actor=personas["supplier"], submission=submission)
    assert withdrawn.state == Submission.State.WITHDRAWN
    assert list(submission.receipts.values_list("sha256", "withdrawn")) == [
        (submission.receipt, False),
        (submission.receipt, True),
    ]
    with pytest.raises(ValidationError, match="Only a submitted submission"):
        services.submission_withdraw(actor=personas["supplier"], submission=submission)
    with pytest.raises(PermissionDenied):
        services.submission_withdraw(actor=personas["buyer"], submission=submission)


def test_nothing_is_withdrawn_after_the_deadline(personas, tender, submit, clock):
    submission = submit(tender)
    clock.move_to(DEADLINE)
    with pytest.raises(ValidationError, match="The deadline passed at 12:00 on 16 December"):
        services.submission_withdraw(actor=personas["supplier"], submission=submission)
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.SUBMITTED


def test_the_buyer_extends_the_deadline_only_later_and_says_why(
    personas, tender, submit, rival, clock
):
    buyer = personas["buyer"]
    submit(tender, "rival", submit=False)
    later = DEADLINE + 7 * DAY
    with pytest.raises(ValidationError) as refused:
        services.deadline_extend(actor=buyer, process=tender, deadline=later, reason="")
    assert set(refused.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError) as refused:
        services.deadline_extend(actor=buyer, process=tender, deadline=DEADLINE, reason="No.")
    assert set(refused.value.message_dict) == {"deadline"}
    with pytest.raises(PermissionDenied):
        services.deadline_extend(
            actor=personas["other_buyer"], process=tender, deadline=later, reason="Holidays."
        )
    services.deadline_extend(actor=buyer, process=tender, deadline=later, reason="Holidays.")
    assert _deadline(tender) == later
    assert _extensions(tender)[0][1:3] == (
        {"deadline": DEADLINE.isoformat()},
        {"deadline": later.isoformat()},
    )
    assert _messages(personas["rival"]) == [
        f"More time for “{tender.title}”: the deadline is now 23 December 2026 12:00"
    ]
    clock.move_to(later)
    with pytest.raises(ValidationError, match="extend the deadline while the process is closed"):
        services.deadline_extend(
            actor=buyer, process=tender, deadline=later + DAY, reason="Too late."
        )


def test_an_incomplete_submission_names_what_is_missing(personas, tender, submit):
    with pytest.raises(ValidationError) as refused:
        submit(tender, text="")
    assert set(refused.value.message_dict) == {"answers.1", "answers.3"}
    with pytest.raises(ValidationError) as refused:
        submit(tender, text="Our answer", price="")
    assert set(refused.value.message_dict) == {"price"}
    with pytest.raises(ValidationError) as refused:
        submit(tender, text="Our answer", price="a lot")
    assert set(refused.value.message_dict) == {"price"}
    assert not Submission.objects.exists()
    # The same content is fine as a draft.
    assert submit(tender, text="", price="", submit=False).state == Submission.State.DRAFT


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_files_are_sealed_with_the_submission(personas, tender, submit):
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    submission = submit(tender, add_files=[upload])
    content = services.submission_content(submission)
    [entry] = content["files"]
    assert entry["name"] == "plan.pdf" and entry["type"] == "application/pdf"
    assert entry["size"] == len(PDF)
    described, data = services.file_content(submission, entry["id"])
    assert data == PDF and described == entry
    assert PDF not in bytes(submission.files.get().sealed)


def test_a_program_renamed_pdf_is_refused(personas, tender, submit):
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(ValidationError) as refused:
        submit(tender, add_files=[exe])
    assert "“plan.pdf” must be one of" in refused.value.message_dict["files"][0]
    assert not Submission.objects.exists()


def test_a_file_too_big_is_refused(personas, tender, submit, settings):
    settings.SUBMISSION_FILE_MAX_BYTES = len(PDF) - 1
    with pytest.raises(ValidationError) as refused:
        submit(tender, add_files=[SimpleUploadedFile("plan.pdf", PDF)])
    assert "too big" in refused.value.message_dict["files"][0]
    settings.SUBMISSION_FILE_MAX_BYTES = len(PDF)
    submission = submit(tender, add_files=[SimpleUploadedFile("plan.pdf", PDF)])
    assert len(services.submission_content(submission)["files"]) == 1


def test_at_most_five_files(personas, tender, submit):
    def files(n, start=0):
        return [SimpleUploadedFile(f"note{i}.txt", b"Some notes") for i in range(start, start + n)]

    with pytest.raises(ValidationError) as refused:
        submit(tender, add_files=files(6), submit=False)
    assert refused.value.message_dict == {"files": ["Attach at most 5 files"]}
    draft = submit(tender, add_files=files(5), submit=False)
    with pytest.raises(ValidationError, match="at most 5"):
        submit(tender, add_files=files(1, 5), submit=False)
    first = services.submission_content(draft)["files"][0]["id"]
    draft = submit(tender, add_files=files(1, 5), remove_files=[first], submit=False)
    names = [f["name"] for f in services.submission_content(draft)["files"]]
    assert names == ["note1.txt", "note2.txt", "note3.txt", "note4.txt", "note5.txt"]
    assert draft.files.count() == 5


def test_a_late_submission_is_refused_naming_the_deadline(personas, tender, submit, clock):
    draft = submit(tender, submit=False)
    clock.move_to(DEADLINE)
    with pytest.raises(ValidationError) as refused:
        submit(tender)
    assert refused.value.messages == [
        "The deadline passed at 12:00 on 16 December 2026: "
        "submissions can no longer be made or changed."
    ]
    assert Submission.objects.get(pk=draft.pk).state == Submission.State.DRAFT
    assert not Receipt.objects.exists()


def test_the_deadline_is_named_in_the_buyers_time_zone(personas, clock, submit):
    # 09:00 UTC on 22 June 2027 is 10:00 in London (British Summer Time).
    clock.move_to("2027-06-01T09:00Z")
    tender = _published(personas, "Summer tender", enquiry_days=7, deadline_days=21)
    clock.move_to("2027-06-22T09:00Z")
    with pytest.raises(ValidationError) as refused:
        submit(tender)
    assert refused.value.messages[0].startswith("The deadline passed at 10:00 on 22 June 2027")
    published = tender.events.get(kind=ProcessEvent.Kind.PUBLISHED).summary
    assert "submissions until 22 June 2027 10:00" in published


@pytest.mark.parametrize("who", ["buyer", "org_admin", "admin", "rival", "resident"])
def test_only_members_submit_for_their_organisation(personas, tender, rival, who):
    with pytest.raises(PermissionDenied):
        services.submission_save(
            actor=personas[who],
            process=tender,
            organisation=personas["coop"],
            answers={"1": "Theirs", "3": "Theirs"},
            price="1",
            submit=True,
        )
    assert not Submission.objects.exists()


def test_nobody_but_the_organisation_reads_a_sealed_submission(personas, tender, submit, rival):
    submission = submit(tender)
    assert selectors.content(personas["supplier"], submission)["answers"]["1"] == "Our answer"
    for who in ("buyer", "org_admin", "admin", "rival", "moderator"):
        assert not selectors.may_read(personas[who], submission), who
        with pytest.raises(PermissionDenied):
            selectors.content(personas[who], submission)
        assert not selectors.own_submissions(personas[who], tender).exists()


# --- opening -----------------------------------------------------------------------------------


def test_opening_is_refused_before_the_deadline(personas, tender, submit, clock):
    submit(tender)
    for moment in (ENQUIRY_END - DAY, DEADLINE - timedelta(seconds=1)):
        clock.move_to(moment)
        with pytest.raises(ValidationError, match="only after the deadline"):
            services.phase_open(actor=personas["buyer"], process=tender)
    assert Submission.objects.get().opened is None
    assert not ProcessEvent.objects.filter(kind=ProcessEvent.Kind.OPENED).exists()


def test_only_the_buyers_open(personas, tender, clock):
    clock.move_to(DEADLINE)
    for who in ("supplier", "other_buyer", "admin"):
        with pytest.raises(PermissionDenied):
            services.phase_open(actor=personas[who], process=tender)


def test_opening_verifies_every_receipt_in_public(personas, tender, submit, rival, clock):
    sam = submit(tender, text="Sam's answer")
    rhys = submit(tender, "rival", text="Rhys's answer", price="900")
    clock.move_to(DEADLINE + timedelta(seconds=1))
    phase = services.phase_open(actor=personas["buyer"], process=tender)
    assert phase.opened_at == DEADLINE + timedelta(seconds=1)
    assert _status(tender) == Status.EVALUATION
    for submission in (sam, rhys):
        submission.refresh_from_db()
        assert submission.verified is True
        assert submission.opened == services.submission_content(submission)
        assert sealing.receipt(submission.opened) == submission.receipt
    event = tender.events.get(kind=ProcessEvent.Kind.OPENED)
    receipts = {
        ("Patel Mobility Co-operative", sam.receipt),
        ("Northgate Systems plc", rhys.receipt),
    }
    assert {(r["organisation"], r["receipt"]) for r in event.after["submissions"]} == receipts
    assert "2 received" in event.summary
    audit = AuditEvent.objects.get(action="process.opened")
    assert audit.is_public
    assert {(r["organisation"], r["receipt"]) for r in audit.changes["after"]["submissions"]} == (
        receipts
    )
    assert verify_chain().ok
    with pytest.raises(ValidationError, match="open the submissions while the process is in"):
        services.phase_open(actor=personas["buyer"], process=tender)


def test_a_draft_never_submitted_stays_sealed(personas, tender, submit, rival, clock):
    submit(tender)
    draft = submit(tender, "rival", submit=False)
    clock.move_to(DEADLINE)
    services.phase_open(actor=personas["buyer"], process=tender)
    draft.refresh_from_db()
    assert draft.opened is None and draft.verified is None
    assert not selectors.may_read(personas["buyer"], draft)
    phase = tender.phases.get(number=1)
    assert [o.organisation for o in selectors.opened(phase)] == [personas["coop"]]


def test_opening_flags_content_that_does_not_match_its_receipt(
    personas, tender, submit, rival, clock
):
    honest = submit(tender)
    swapped = submit(tender, "rival", text="What Rhys sent")
    # Someone holding the key swaps what Northgate sent for something else.
    content = services.submission_content(swapped)
    content["answers"]["1"] = "Something Rhys never sent"
    Submission.objects.filter(pk=swapped.pk).update(
        sealed=sealing.seal_json(
            content, process_id=tender.pk, organisation_id=personas["bigco"].pk
        )
    )
    clock.move_to(DEADLINE)
    services.phase_open(actor=personas["buyer"], process=tender)
    honest.refresh_from_db()
    swapped.refresh_from_db()
    assert honest.verified is True
    assert swapped.verified is False


def test_checking_a_receipt(personas, tender, submit, clock):
    first = submit(tender, text="Our answer").receipt
    clock.shift(HOUR)
    final = submit(tender, text="Our final answer").receipt
    assert selectors.check_receipt(final) is None  # before opening nobody learns anything
    assert selectors.check_receipt(first) is None
    clock.move_to(DEADLINE)
    services.phase_open(actor=personas["buyer"], process=tender)

    checked = selectors.check_receipt(final.upper())
    assert checked is not None
    assert checked.final is True and checked.matches is True
    assert checked.submission.organisation == personas["coop"]
    superseded = selectors.check_receipt(first)
    assert superseded is not None
    assert superseded.final is False and superseded.matches is None
    assert selectors.check_receipt("0" * 64) is None
    assert selectors.check_receipt("not a receipt") is None


# --- concurrency: real threads, real transactions ----------------------------------------------


def _at_once(*calls):
    """Run the calls on their own threads and connections, released together; their results
    (or the ValidationError each raised)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except ValidationError as error:
            outcomes.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == len(calls)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_people_submitting_for_one_organisation_at_once_make_one_submission(personas, tender):
    colleague = User.objects.create_user("priya@example.org", "x" * 12, name="Priya Patel")
    Membership.objects.create(
        user=colleague, organisation=personas["coop"], role=Membership.Role.SUPPLIER
    )

    def save(user, text):
        return lambda: services.submission_save(
            actor=user,
            process=tender,
            organisation=personas["coop"],
            answers={"1": text, "3": text},
            price="1000",
            submit=True,
        )

    outcomes = _at_once(save(personas["supplier"], "Sam's"), save(colleague, "Priya's"))
    saved = [o for o in outcomes if isinstance(o, Submission)]
    assert saved, outcomes
    assert Submission.objects.count() == 1
    submission = Submission.objects.get()
    # Whoever came second revised the first one's submission (or was told to reload): every
    # receipt issued belongs to the one row, and the last is the one that stands.
    receipts = list(submission.receipts.values_list("sha256", flat=True))
    assert len(receipts) == len(saved)
    assert receipts[-1] == submission.receipt
    assert sealing.receipt(services.submission_content(submission)) == submission.receipt
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_two_buyers_opening_at_once_open_once(personas, tender, submit, clock):
    submit(tender)
    clock.move_to(DEADLINE)

    def open_as(who):
        return lambda: services.phase_open(actor=personas[who], process=tender)

    outcomes = _at_once(open_as("buyer"), open_as("org_admin"))
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert ProcessEvent.objects.filter(kind=ProcessEvent.Kind.OPENED).count() == 1
    assert AuditEvent.objects.filter(action="process.opened").count() == 1
    assert verify_chain().ok


# --- invitations and the next phase ------------------------------------------------------------


@pytest.fixture
def staged(personas, frozen_spec, clock):
    """A staged competition published now; phase 1 (deadline in 21 days) takes one forward,
    phase 2 runs from day 30 to day 51."""
    buyer = personas["buyer"]
    process = services.process_create(actor=buyer, specification=frozen_spec, kind="staged")
    plan(process, buyer)
    phase = process.phases.get(number=1)
    services.phase_update(
        actor=buyer,
        process=process,
        number=1,
        title=phase.title,
        enquiry_end=phase.enquiry_end,
        deadline=phase.deadline,
        take_forward=1,
    )
    services.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    return process


def _invitation(process, organisation):
    return Invitation.objects.get(phase__process=process, organisation=organisation)


def test_suppliers_are_taken_forward_one_phase_at_a_time(personas, staged, submit, rival, clock):
    buyer, coop, bigco = personas["buyer"], personas["coop"], personas["bigco"]
    submit(staged)
    submit(staged, "rival")
    with pytest.raises(ValidationError, match="invite suppliers forward while the process is"):
        services.invite(actor=buyer, process=staged, organisations=[coop])
    clock.move_to(DEADLINE)
    services.phase_open(actor=buyer, process=staged)

    # Only those who submitted, and no more than phase 1 takes forward.
    with pytest.raises(ValidationError) as refused:
        services.invite(actor=buyer, process=staged, organisations=[personas["trust"]])
    assert "organisations" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.invite(actor=buyer, process=staged, organisations=[coop, bigco])
    assert refused.value.message_dict == {
        "organisations": ["Phase 1 takes at most 1 suppliers forward"]
    }
    with pytest.raises(PermissionDenied):
        services.invite(actor=personas["other_buyer"], process=staged, organisations=[coop])
    [invitation] = services.invite(actor=buyer, process=staged, organisations=[coop])
    assert invitation.state == Invitation.State.PENDING
    assert any("invited to phase 2" in m for m in _messages(personas["supplier"]))
    with pytest.raises(ValidationError, match="at most 1"):
        services.invite(actor=buyer, process=staged, organisations=[bigco])

    # The supplier answers; only it can.
    with pytest.raises(PermissionDenied):
        services.invitation_respond(actor=personas["rival"], invitation=invitation, accept=True)
    services.invitation_respond(actor=personas["supplier"], invitation=invitation, accept=False)
    assert _invitation(staged, coop).state == Invitation.State.DECLINED
    with pytest.raises(ValidationError, match="already been answered"):
        services.invitation_respond(actor=personas["supplier"], invitation=invitation, accept=True)

    # A declined place can go to someone else.
    [northgate] = services.invite(actor=buyer, process=staged, organisations=[bigco])
    services.invitation_respond(actor=personas["rival"], invitation=northgate, accept=True)
    assert _invitation(staged, bigco).state == Invitation.State.ACCEPTED

    # The buyer revokes it, with a reason, and invites the co-operative again.
    with pytest.raises(ValidationError):
        services.invitation_revoke(actor=buyer, invitation=northgate, reason="")
    services.invitation_revoke(actor=buyer, invitation=northgate, reason="Conflict of interest.")
    assert _invitation(staged, bigco).state == Invitation.State.REVOKED
    with pytest.raises(ValidationError, match="Invite at least one supplier"):
        services.phase_start_next(actor=buyer, process=staged)
    [again] = services.invite(actor=buyer, process=staged, organisations=[coop])
    assert again.pk == invitation.pk and again.state == Invitation.State.PENDING
    assert _status(staged) == Status.EVALUATION


def _take_coop_forward(personas, staged, submit, clock):
    buyer = personas["buyer"]
    submit(staged)
    submit(staged, "rival")
    clock.move_to(DEADLINE)
    services.phase_open(actor=buyer, process=staged)
    [invitation] = services.invite(actor=buyer, process=staged, organisations=[personas["coop"]])
    return invitation


def test_the_next_phase_needs_a_deadline_that_leaves_time(personas, staged, submit, rival, clock):
    buyer = personas["buyer"]
    _take_coop_forward(personas, staged, submit, clock)
    second = staged.phases.get(number=2)
    services.phase_update(
        actor=buyer, process=staged, number=2, title=second.title, enquiry_end=None, deadline=None
    )
    with pytest.raises(ValidationError) as refused:
        services.phase_start_next(actor=buyer, process=staged)
    assert refused.value.message_dict == {
        "deadline": [
            "Set phase 2's deadline at least 5 days from now first, so the suppliers taken "
            "forward have time to answer"
        ]
    }
    for too_soon in (-timedelta(seconds=1), 5 * DAY - timedelta(seconds=1)):
        services.phase_update(
            actor=buyer,
            process=staged,
            number=2,
            title=second.title,
            deadline=openbuy_clock.now() + too_soon,
        )
        with pytest.raises(ValidationError, match="at least 5 days from now"):
            services.phase_start_next(actor=buyer, process=staged)
    # Replanning a later phase of a published process is shown on the timeline.
    assert staged.events.filter(kind="replanned").count() == 3
    new_deadline = openbuy_clock.now() + 20 * DAY
    services.phase_update(
        actor=buyer, process=staged, number=2, title=second.title, deadline=new_deadline
    )
    services.phase_start_next(actor=buyer, process=staged)
    staged.refresh_from_db()
    assert staged.current_phase.number == 2
    # No enquiry end was planned: questions for question_days (3) from now.
    assert staged.current_phase.enquiry_end == openbuy_clock.now() + 3 * DAY
    assert staged.current_phase.deadline == new_deadline


def test_phase_two_is_open_for_questions_and_only_for_who_accepted(
    personas, staged, submit, rival, clock
):
    buyer = personas["buyer"]
    invitation = _take_coop_forward(personas, staged, submit, clock)
    process = services.phase_start_next(actor=buyer, process=staged)
    assert process.current_phase.number == 2
    assert _status(staged) == Status.QUESTIONS
    assert (
        lifecycle.annotate(Process.objects.filter(pk=staged.pk), openbuy_clock.now())
        .get(pk=staged.pk)
        .status
        == Status.QUESTIONS.value
    )
    assert staged.events.filter(kind=ProcessEvent.Kind.NEXT_PHASE).exists()

    # Invited but not yet accepted: not yet.
    with pytest.raises(PermissionDenied, match="invited forward"):
        submit(staged)
    # Not invited at all.
    with pytest.raises(PermissionDenied, match="invited forward"):
        submit(staged, "rival")
    services.invitation_respond(actor=personas["supplier"], invitation=invitation, accept=True)
    submission = submit(staged, text="Our prototype plan")
    assert submission.phase.number == 2
    assert submission.state == Submission.State.SUBMITTED
    # Phase 1's submission is untouched and still opened.
    first = Submission.objects.get(phase__number=1, organisation=personas["coop"])
    assert first.opened["answers"]["1"] == "Our answer"
