"""Stage gates: continue or stop per supplier, against the phase's declared criteria, public."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import GateDecision
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
    )
    with pytest.raises(ValidationError, match="not Northgate Systems plc"):
        process_services.invite(actor=buyer, process=staged, organisations=[bigco])
    assert list(Invitation.objects.values_list("organisation", flat=True)) == [coop.pk]
