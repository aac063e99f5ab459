from datetime import timedelta

from django.core.management import call_command

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit.services import verify_chain
from openbuy.demo.personas import PERSONAS
from openbuy.demo.processes import RIVAL


def test_demo_loads_every_persona_once_and_prints_the_sign_ins(db, capsys):
    call_command("demo", "--if-empty")
    out = capsys.readouterr().out
    for persona in [*PERSONAS, RIVAL]:
        assert persona.email in out
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    call_command("demo", "--if-empty")
    call_command("demo")
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert verify_chain().ok


def test_demo_has_a_specification_written_in_the_open(db, client):
    from openbuy.specifications.models import Specification, Suggestion

    call_command("demo", "--if-empty")
    spec = Specification.objects.get(title="Weekend waste collection in the town centre")
    assert spec.needs.count() == 1
    states = sorted(spec.suggestions.values_list("state", flat=True))
    assert states == [Suggestion.State.ACCEPTED, Suggestion.State.OPEN]
    page = client.get(f"/specifications/{spec.pk}/").content.decode()
    assert "ISO 14001" in page and "ob-annotated" in page
    assert "Mandatory accreditation" in page  # the wording check finds the demo's trap


def test_demo_is_not_loaded_into_a_database_with_real_accounts(db, capsys):
    User.objects.create_user("real@council.example", "x" * 12, name="Real Person")
    call_command("demo", "--if-empty")
    assert "not loaded" in capsys.readouterr().out
    assert User.objects.count() == 1


def test_demo_personas_can_sign_in(client, db):
    from openbuy.demo.personas import DEMO_PASSWORD

    call_command("demo")
    for persona in [*PERSONAS, RIVAL]:
        response = client.post(
            "/account/login/", {"login": persona.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, persona.email
        client.logout()


def test_demo_has_one_process_of_each_kind_at_a_different_stage(db):
    from openbuy.processes import selectors
    from openbuy.processes.models import Process, Question, Receipt, Submission

    call_command("demo", "--if-empty")
    processes = {p.kind: p for p in Process.objects.all()}
    assert sorted(processes) == ["challenge", "staged", "tender"]
    statuses = {kind: selectors.status(p) for kind, p in processes.items()}
    assert statuses == {
        "tender": "open_for_questions",
        "challenge": "open_for_submissions",
        "staged": "in_evaluation",
    }

    tender = processes["tender"]
    assert tender.specification.title == "Weekend waste collection in the town centre"
    states = sorted(tender.questions.values_list("state", flat=True))
    assert states == [Question.State.ANSWERED, Question.State.OPEN]
    assert set(tender.questions.values_list("asker__email", flat=True)) == {"sam@example.org"}
    phase = tender.current_phase
    assert timedelta(days=6) < phase.enquiry_end - tender.published_at <= timedelta(days=7)
    assert timedelta(days=20) < phase.deadline - tender.published_at <= timedelta(days=21)

    sealed = Submission.objects.get(phase__process=processes["challenge"])
    assert sealed.organisation.slug == "patel-mobility-co-operative"
    assert sealed.opened is None and sealed.receipt

    staged = processes["staged"]
    assert list(staged.phases.values_list("title", flat=True)) == [
        "Feasibility",
        "Prototype",
        "Pilot",
    ]
    assert staged.current_phase.number == 1 and staged.current_phase.is_opened
    opened = Submission.objects.filter(phase=staged.current_phase)
    assert sorted(opened.values_list("organisation__name", flat=True)) == [
        "Northgate Systems plc",
        "Patel Mobility Co-operative",
    ]
    assert all(s.verified for s in opened)
    assert Receipt.objects.filter(submission__in=opened).count() == 2
    assert len(selectors.opened(staged.current_phase)) == 2
    assert all(selectors.check_receipt(s.receipt).matches for s in opened)  # public now
    assert selectors.check_receipt(sealed.receipt) is None  # the challenge's stays sealed

    counts = (Process.objects.count(), Submission.objects.count(), Question.objects.count())
    call_command("demo", "--if-empty")
    call_command("demo")
    assert (
        Process.objects.count(),
        Submission.objects.count(),
        Question.objects.count(),
    ) == counts
    assert verify_chain().ok
