"""Stage gates: continue or stop per supplier, against the phase's declared criteria, public."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import GateDecision
from openbuy.lessons import capture
from openbuy.processes import selectors as process_selectors
from openbuy.processes import services as process_services
from openbuy.processes.models import Invitation, ProcessEvent
from openbuy.processes.tests.conftest import plan


@pytest.fixture
def staged(personas, frozen_spec, submit, rival, clock):
    """A staged competition whose phase 1 (success and kill criteria declared, takes one
    forward) has two opened submissions, fully scored by two evaluators."""
    buyer = personas["buyer"]
    process = process_services.process_create(actor=buyer, specification=frozen_spec, kind="staged")
    plan(process, buyer)
    phase = process.phases.get(number=1)
    process_services.phase_update(
        actor=buyer,
        process=process,
        number=1,
        title=phase.title,
        enquiry_end=phase.enquiry_end,
        deadline=phase.deadline,
        take_forward=1,
        success_criteria="A design residents can test within the budget.",
        kill_criteria="No design that works for wheelchair users.",
    )
    process_services.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    submit(process, "supplier", "Our design", "9000")
    submit(process, "rival", "Their design", "12000")
    clock.move_to(process.phase.deadline + timedelta(seconds=1))
    process_services.phase_open(actor=buyer, process=process)
    process.refresh_from_db()
    for who, kind in (("frontline", "staff"), ("evaluator", "expert")):
        services.evaluator_add(actor=buyer, process=process, user=personas[who], kind=kind)
    for submission in process.phase.submissions.all():
        for who in ("frontline", "evaluator"):
            services.declare(actor=personas[who], submission=submission, has_conflict=False)
            for criterion in process.criteria.exclude(kind="price"):
                services.score_set(
                    actor=personas[who],
                    submission=submission,
                    criterion=criterion,
                    score="7",
                    justification=f"GATEMARK by {who}",
                )
    return process


NO_LESSON = capture.no_lesson("The kill criterion did its job: nothing more to learn.")


def _refs(process, personas):
    subs = {s.organisation_id: s for s in process.phase.submissions.all()}
    return subs[personas["coop"].pk].public_id, subs[personas["bigco"].pk].public_id


def test_a_gate_continues_one_and_stops_the_other_in_public(client, personas, staged):
    coop, bigco = _refs(staged, personas)
    anonymous_before = client.get(f"/processes/{staged.pk}/evaluation/results/?phase=1")
    assert anonymous_before.status_code in (302, 403)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={
            coop: ("continue", "Meets the success criteria: residents tested the design."),
            bigco: ("stop", "Kill criterion met: the design needs stairs."),
        },
        lesson=NO_LESSON,
    )
    assert Invitation.objects.get(phase__number=2).organisation == personas["coop"]
    stop = ProcessEvent.objects.get(process=staged, kind=ProcessEvent.Kind.GATE)
    assert stop.summary.startswith("Northgate Systems plc stopped after phase 1 at GBP 12,000.00")
    assert process_selectors.status(staged) == "in_evaluation"  # until phase 2 starts
    # The gate and the phase's scores are public now.
    outcome = client.get(f"/processes/{staged.pk}/gates/1/").content.decode()
    assert "stopped after phase 1 at GBP 12000.00" in outcome
    assert "No design that works for wheelchair users." in outcome
    scores = client.get(f"/processes/{staged.pk}/evaluation/results/?phase=1").content.decode()
    assert "GATEMARK by frontline" in scores
    with pytest.raises(ValidationError, match="already been decided"):
        services.gate_decide(actor=personas["buyer"], process=staged, decisions={})


def test_stopping_everyone_ends_the_process_as_a_normal_outcome(personas, staged):
    coop, bigco = _refs(staged, personas)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("stop", "Too costly."), bigco: ("stop", "Needs stairs.")},
        lesson=NO_LESSON,
    )
    staged.refresh_from_db()
    assert process_selectors.status(staged) == "unsuccessful"
    assert "Stopped at the gate after phase 1" in staged.decision_reason


def test_every_supplier_needs_a_decision_and_a_reason(personas, staged):
    coop, bigco = _refs(staged, personas)
    with pytest.raises(ValidationError) as refused:
        services.gate_decide(
            actor=personas["buyer"], process=staged, decisions={coop: ("continue", "")}
        )
    assert set(refused.value.message_dict) == {f"reason_{coop}", f"decision_{bigco}"}
    # More continuing than the phase takes forward is refused, and nothing is recorded.
    with pytest.raises(ValidationError, match="at most 1"):
        services.gate_decide(
            actor=personas["buyer"],
            process=staged,
            decisions={coop: ("continue", "Good."), bigco: ("continue", "Good too.")},
        )
    assert not GateDecision.objects.exists()


def test_only_the_buyers_officers_decide_the_gate(personas, staged):
    coop, bigco = _refs(staged, personas)
    decisions = {coop: ("stop", "x"), bigco: ("stop", "y")}
    for who in ("frontline", "evaluator", "supplier", "other_buyer", "admin"):
        with pytest.raises(PermissionDenied):
            services.gate_decide(actor=personas[who], process=staged, decisions=decisions)
    with pytest.raises(PermissionDenied):
        selectors.results(personas["supplier"], staged.phase)


def test_the_gate_page_records_the_decisions(client, personas, staged):
    coop, bigco = _refs(staged, personas)
    client.force_login(personas["buyer"])
    url = f"/processes/{staged.pk}/evaluation/gate/"
    assert client.get(url).status_code == 200
    response = client.post(url, {f"decision_{coop}": "continue", f"reason_{coop}": "Works."})
    body = response.content.decode()
    assert response.status_code == 200 and "Give the reason for Northgate Systems plc" in body
    assert "Works." in body  # what was typed is kept
    response = client.post(
        url,
        {
            f"decision_{coop}": "continue",
            f"reason_{coop}": "Works.",
            f"decision_{bigco}": "stop",
            f"reason_{bigco}": "Stairs.",
            "lesson_choice": "none",
            "no_lesson_reason": "The kill criterion did its job.",
        },
    )
    assert response.status_code == 302
    assert GateDecision.objects.count() == 2


def test_a_supplier_stopped_at_the_gate_gets_its_debrief_then(
    client, personas, staged, django_capture_on_commit_callbacks
):
    from django.core import mail

    coop, bigco = _refs(staged, personas)
    with django_capture_on_commit_callbacks(execute=True):
        services.gate_decide(
            actor=personas["buyer"],
            process=staged,
            decisions={coop: ("continue", "Works."), bigco: ("stop", "Needs stairs.")},
            lesson=NO_LESSON,
        )
    assert [m.to for m in mail.outbox] == [["rhys@example.org"]]
    assert "reached its stage gate after phase 1" in mail.outbox[0].body
    page = client.get(f"/processes/{staged.pk}/debriefs/{bigco}/").content.decode()
    assert "Debrief for Northgate Systems plc" in page and "GATEMARK by evaluator" in page
    assert "Best score taken forward" in page


def test_nobody_goes_forward_around_the_gate(client, personas, staged):
    """The processes invite page, its API and "start the next phase" all wait for the gate, and
    then take forward only those it let continue."""
    buyer, coop, bigco = personas["buyer"], personas["coop"], personas["bigco"]
    with pytest.raises(ValidationError, match="Decide the stage gate after phase 1 first"):
        process_services.invite(actor=buyer, process=staged, organisations=[coop])
    with pytest.raises(ValidationError, match="Decide the stage gate after phase 1 first"):
        process_services.phase_start_next(actor=buyer, process=staged)
    client.force_login(buyer)
    page = client.post(f"/processes/{staged.pk}/invite/", {"organisations": [coop.slug]})
    assert "Decide the stage gate after phase 1 first" in page.content.decode()
    api = client.post(
        f"/api/v1/processes/{staged.pk}/invite",
        {"organisations": [coop.slug]},
        content_type="application/json",
    )
    assert api.status_code in (400, 422) and "stage gate" in api.content.decode()
    assert not Invitation.objects.filter(phase__process=staged).exists()

    refs = _refs(staged, personas)
    services.gate_decide(
        actor=buyer,
        process=staged,
        decisions={refs[0]: ("continue", "Passed."), refs[1]: ("stop", "Kill criterion met.")},
        lesson=NO_LESSON,
    )
    with pytest.raises(ValidationError, match="not Northgate Systems plc"):
        process_services.invite(actor=buyer, process=staged, organisations=[bigco])
    assert list(Invitation.objects.values_list("organisation", flat=True)) == [coop.pk]


# --- the lesson a stop teaches ------------------------------------------------------------------

LESSON = capture.lesson(
    title="Ask for step-free access in the first phase",
    tried="A design competition without an access requirement.",
    happened="One design needed stairs and was stopped after phase 1.",
    why="The brief did not say the building must be step-free.",
    do_differently="Put step-free access in the brief and the phase's kill criteria.",
)


def _state(process):
    from openbuy.audit.models import AuditEvent
    from openbuy.lessons.models import Capture, Lesson

    return (
        GateDecision.objects.count(),
        Invitation.objects.filter(phase__process=process).count(),
        ProcessEvent.objects.filter(process=process).count(),
        Capture.objects.count(),
        Lesson.objects.count(),
        AuditEvent.objects.count(),
        process_selectors.status(process),
    )


def test_a_stop_is_refused_without_a_lesson_or_a_reason_and_nothing_changes(personas, staged):
    coop, bigco = _refs(staged, personas)
    decisions = {coop: ("continue", "Works."), bigco: ("stop", "Needs stairs.")}
    before = _state(staged)
    for lesson, fields in [
        (None, {"lesson"}),
        (capture.no_lesson("   "), {"lesson"}),
        (
            capture.lesson(title="Stairs"),
            {f"lesson.{n}" for n in capture.FIELDS} - {"lesson.title"},
        ),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.gate_decide(
                actor=personas["buyer"], process=staged, decisions=decisions, lesson=lesson
            )
        assert set(refused.value.message_dict) == fields
        assert _state(staged) == before
    # Said together with the decisions' own problems.
    with pytest.raises(ValidationError) as refused:
        services.gate_decide(
            actor=personas["buyer"],
            process=staged,
            decisions={coop: ("continue", ""), bigco: ("stop", "Needs stairs.")},
        )
    assert set(refused.value.message_dict) == {f"reason_{coop}", "lesson"}
    assert _state(staged) == before


def test_a_stop_keeps_its_lesson_published_and_linked_to_the_gate(personas, staged):
    from openbuy.lessons.models import Capture, Lesson

    coop, bigco = _refs(staged, personas)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("continue", "Works."), bigco: ("stop", "Needs stairs.")},
        lesson=LESSON,
    )
    lesson = Lesson.objects.get()
    assert lesson.title == "Ask for step-free access in the first phase"
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.published_at is not None
    assert lesson.source == Lesson.Source.CAPTURED and lesson.stage == "competition"
    assert lesson.organisation == personas["council"] and lesson.author == personas["buyer"]
    assert lesson.about == staged and lesson.about_url == f"/processes/{staged.pk}/gates/1/"
    assert lesson.about_label == (
        f"Northgate Systems plc stopped after phase 1 of “{staged.title}” at GBP 12,000"
    )
    assert (lesson.cost_amount, lesson.cost_currency) == (12000, "GBP")
    made = Capture.objects.get()
    assert (made.kind, made.lesson, made.no_lesson_reason) == ("gate_stop", lesson, "")
    assert made.about == staged and made.url == lesson.about_url


def test_a_stop_may_say_publicly_why_there_is_no_lesson(client, personas, staged):
    from openbuy.audit.models import AuditEvent
    from openbuy.lessons.models import Capture, Lesson

    coop, bigco = _refs(staged, personas)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("continue", "Works."), bigco: ("stop", "Needs stairs.")},
        lesson=NO_LESSON,
    )
    assert not Lesson.objects.exists()
    made = Capture.objects.get()
    assert made.kind == Capture.Kind.GATE_STOP and made.lesson is None
    assert made.no_lesson_reason == "The kill criterion did its job: nothing more to learn."
    event = AuditEvent.objects.get(action="lesson.captured")
    assert event.is_public and "nothing more to learn" in event.summary
    # On the lessons register's public page, for anyone.
    page = client.get("/lessons/").content.decode()
    assert "No lesson: The kill criterion did its job: nothing more to learn." in page


def test_when_every_supplier_continues_no_lesson_is_needed(personas, staged):
    from openbuy.lessons.models import Capture

    staged.phase.__class__.objects.filter(pk=staged.phase.pk).update(take_forward=2)
    coop, bigco = _refs(staged, personas)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("continue", "Works."), bigco: ("continue", "Works too.")},
    )
    assert Invitation.objects.filter(phase__number=2).count() == 2
    assert not Capture.objects.exists()


def test_stopping_everyone_keeps_one_lesson_for_the_gate_and_the_end(personas, staged):
    from openbuy.lessons.models import Capture

    coop, bigco = _refs(staged, personas)
    services.gate_decide(
        actor=personas["buyer"],
        process=staged,
        decisions={coop: ("stop", "Too costly."), bigco: ("stop", "Needs stairs.")},
        lesson=LESSON,
    )
    staged.refresh_from_db()
    assert process_selectors.status(staged) == "unsuccessful"
    made = Capture.objects.get()  # one failure, one lesson: no second capture for the ending
    assert made.kind == Capture.Kind.GATE_STOP
    assert made.label == (
        f"Northgate Systems plc and Patel Mobility Co-operative stopped after phase 1 of "
        f"“{staged.title}” at GBP 21,000: the process ended without an award"
    )


def test_the_gate_page_asks_for_the_lesson_and_its_summary_links_to_the_fields(
    client, personas, staged
):
    from openbuy.lessons.models import Capture, Lesson

    coop, bigco = _refs(staged, personas)
    client.force_login(personas["buyer"])
    url = f"/processes/{staged.pk}/evaluation/gate/"
    page = client.get(url).content.decode()
    assert "If any supplier stops: what does this teach?" in page
    decided = {
        f"decision_{coop}": "continue",
        f"reason_{coop}": "Works.",
        f"decision_{bigco}": "stop",
        f"reason_{bigco}": "Stairs.",
    }
    # No lesson: the service's refusal lands on the choice, and the summary links to it.
    response = client.post(url, decided)
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in body
    assert '<a href="#id_lesson_choice_0">Record what this failure teaches' in body
    assert 'id="id_lesson_choice_error"' in body
    # A lesson half written: each missing part is named, next to its field.
    response = client.post(url, decided | {"lesson_choice": "write", "lesson_title": "Stairs"})
    body = response.content.decode()
    assert '<a href="#id_lesson_why">Give the lesson why it happened (the root cause)</a>' in body
    assert 'value="Stairs"' in body
    assert not GateDecision.objects.exists() and not Capture.objects.exists()
    response = client.post(
        url,
        decided
        | {
            "lesson_choice": "write",
            "lesson_title": "Ask for step-free access",
            "lesson_tried": "No access requirement.",
            "lesson_happened": "A design needed stairs.",
            "lesson_why": "The brief did not say.",
            "lesson_do_differently": "Say it in the brief.",
        },
    )
    assert response.status_code == 302
    assert Lesson.objects.get().title == "Ask for step-free access"


def test_a_half_written_lesson_does_not_hold_up_a_gate_where_everyone_continues():
    from types import SimpleNamespace

    from openbuy.evaluation.forms import GateForm

    rows = [
        SimpleNamespace(
            submission=SimpleNamespace(
                public_id=ref, organisation=SimpleNamespace(name=f"Supplier {ref}")
            ),
            total=SimpleNamespace(total=None),
        )
        for ref in ("a1", "b2")
    ]
    data = {
        "decision_a1": "continue",
        "reason_a1": "Works.",
        "decision_b2": "continue",
        "reason_b2": "Works too.",
        "lesson_choice": "write",  # ticked, then left empty
    }
    assert GateForm(data, rows=rows).is_valid()
    stopping = GateForm(data | {"decision_b2": "stop"}, rows=rows)
    assert not stopping.is_valid() and "lesson_title" in stopping.errors
