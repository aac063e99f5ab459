from datetime import timedelta

from django.core.management import call_command

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit.services import verify_chain
from openbuy.demo.evaluation import REMINDERS
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
    # The fourth process, a tender run to a contract, is tested below.
    processes = {p.kind: p for p in Process.objects.exclude(title=REMINDERS)}
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


def test_demo_staged_competition_has_a_disagreement_to_moderate(db):
    from openbuy.evaluation import selectors
    from openbuy.evaluation.models import Declaration, Evaluator
    from openbuy.processes.models import Process

    call_command("demo", "--if-empty")
    staged = Process.objects.get(kind="staged")
    panel = Evaluator.objects.filter(process=staged)
    assert sorted(panel.values_list("user__email", "kind")) == [
        ("eve@example.org", "expert"),
        ("femi@example.org", "staff"),
    ]
    assert Declaration.objects.filter(evaluator__in=panel, has_conflict=False).count() == 4
    buyer = User.objects.get(email="bea@example.org")
    rows = selectors.results(buyer, staged.current_phase)
    assert len(rows) == 2
    cells = [c for r in rows for c in r.criteria]
    assert all(len(c.scores) == 2 and c.scores[0].justification for c in cells)
    flagged = [c for c in cells if c.disagrees]
    assert len(flagged) == 1
    assert flagged[0].moderation is None and flagged[0].agreed is None
    assert sorted(s.score for s in flagged[0].scores) == [3, 8]
    assert staged.state == Process.State.EVALUATING


def test_demo_has_a_tender_awarded_and_contracted(db):
    from decimal import Decimal

    from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
    from openbuy.evaluation import selectors as evaluation
    from openbuy.evaluation.models import Award, Moderation, Rating, Score
    from openbuy.processes import selectors
    from openbuy.processes.models import Process, Submission

    call_command("demo", "--if-empty")
    process = Process.objects.get(title=REMINDERS)
    assert process.kind == "tender" and process.specification.status != "drafting"
    assert selectors.status(process) == "awarded"
    opened = Submission.objects.filter(phase__process=process, opened__isnull=False)
    assert sorted(opened.values_list("organisation__name", flat=True)) == [
        "Northgate Systems plc",
        "Patel Mobility Co-operative",
    ]
    rows = evaluation.results(None, process.current_phase)  # public once awarded
    cells = [c for r in rows for c in r.criteria]
    assert [c.moderation is not None for c in cells if c.disagrees] == [True]
    assert all(c.agreed is not None for c in cells)

    award = Award.objects.get(process=process)
    assert award.submission.organisation.name == "Patel Mobility Co-operative"
    assert award.rationale and award.standstill_ends <= award.process.contracts.get().signed_at
    contract = Contract.objects.get(process=process)
    assert contract.value_amount == Decimal("11500")
    assert sorted(contract.milestones.values_list("status", flat=True)) == [
        Milestone.Status.ACCEPTED,
        Milestone.Status.PENDING,
    ]
    outcome = contract.outcomes.get()
    assert outcome.target and outcome.actual is not None
    assert list(contract.amendments.values_list("value_change", flat=True)) == [Decimal("1500")]
    council = process.organisation
    ratings = evaluation.buyer_ratings(council)
    assert ratings is not None and ratings["count"] == 1
    assert Rating.objects.get(process=process).organisation.name == "Patel Mobility Co-operative"

    models = [Process, Submission, Score, Moderation, Award, Contract, Milestone, Outcome]
    models += [Amendment, Rating]
    counts = [m.objects.count() for m in models]
    call_command("demo", "--if-empty")
    call_command("demo")
    assert [m.objects.count() for m in models] == counts
    assert verify_chain().ok
