"""Contracts and delivery after an award, in a browser: the buyer runs a signed contract to its
end, and ends another early. axe runs on every page visited, the error pages included.

Two tenders of Riverside Borough Council are built by services, at the real time: each
published, bid for by Patel Mobility Co-operative and Northgate Systems plc, opened after its
deadline, scored by a panel of two and awarded to the co-operative; after the standstill both
contracts are signed, the first with two milestones. The live server runs in this process, so
time-machine moves its clock too (31 days on; nobody is signed in until then).

In the browser Bea, the council's buyer officer, adds an outcome measure (sending the form empty
first), records what was measured (a word first), amends the contract twice and sees the
cumulative change and its percentage, tries to complete it too early, does not accept a
milestone (without saying why first, then saying why), accepts every milestone — the one 20 days
past due on its own page, with the lesson it teaches (after sending none) — and completes it.
She terminates the second contract, with its reason and why there is no lesson to learn (after
sending neither). Anyone then reads both contracts, with no way to change them.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from openbuy.accounts.models import Membership, User
from openbuy.contracts import services as contracts
from openbuy.contracts.models import Amendment, Contract, Milestone, Outcome
from openbuy.demo.personas import create_personas
from openbuy.evaluation import services as evaluation
from openbuy.lessons.models import Capture, Lesson
from openbuy.processes import services as processes
from openbuy.specifications import services as specs
from tests.system.test_evaluation import submit
from tests.system.test_processes import click, main_text, new_steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"
COOP = "Patel Mobility Co-operative"
FIRST, SECOND = "Evening access to libraries", "Repairs to library doors"
ANSWER = f"{COOP} fits step-free doors with card readers, tested by residents."
RIVAL_ANSWER = "Northgate Systems plc installs its standard access platform."
AMENDMENTS = [
    ("6000", "A second door, at the branch library."),
    ("-1200", "One sign fewer than planned."),
]
# The visually hidden ": milestone 2" is positioned absolutely, so a block: a space before it.
NOT_ACCEPTED_2 = re.compile(r"^Not accepted\s*: milestone 2$")
LESSON_TITLE = "Order the keys with the doors"
TERMINATION = "The supplier could not get the parts, so the repairs were never started."
NO_LESSON = "The parts maker closed without warning: nothing the buyer could have seen."
# The third milestone was due this long ago: past the 14 days' margin, so it needs a lesson.
LATE, LATE_BY = "Keys handed to branch managers", 20


def _tender(personas, title):
    """A council tender, published now: questions for 7 days, submissions for 21; both suppliers
    submit (the co-operative the cheaper)."""
    buyer = personas["buyer"]
    spec = specs.specification_create(
        actor=buyer,
        organisation=personas["council"],
        title=title,
        summary="Let people use the library after staff go home.",
        value_amount="60000",
    )
    specs.specification_freeze(actor=buyer, spec=spec)
    spec.refresh_from_db()
    process = processes.process_create(actor=buyer, specification=spec, kind="tender")
    now = timezone.now()
    phase = process.phases.get()
    processes.phase_update(
        actor=buyer,
        process=process,
        number=phase.number,
        title=phase.title,
        description=phase.description,
        enquiry_end=now + timedelta(days=7),
        deadline=now + timedelta(days=21),
    )
    processes.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    submit(process, personas["supplier"], personas["coop"], ANSWER, "48000")
    submit(process, personas["rival"], personas["bigco"], RIVAL_ANSWER, "52000")
    return process


def _award(personas, process):
    """Open the submissions (after the deadline), score them with a panel of two who agree, and
    award the co-operative."""
    buyer = personas["buyer"]
    processes.phase_open(actor=buyer, process=process)
    process.refresh_from_db()
    for who, kind in (("frontline", "staff"), ("evaluator", "expert")):
        evaluation.evaluator_add(actor=buyer, process=process, user=personas[who], kind=kind)
    submissions = {s.organisation_id: s for s in process.phase.submissions.all()}
    for who in ("frontline", "evaluator"):
        for organisation, value in (("coop", "8"), ("bigco", "6")):
            submission = submissions[personas[organisation].pk]
            evaluation.declare(actor=personas[who], submission=submission, has_conflict=False)
            for criterion in process.criteria.exclude(kind="price"):
                evaluation.score_set(
                    actor=personas[who],
                    submission=submission,
                    criterion=criterion,
                    score=value,
                    justification=f"{who}: reasons.",
                )
    return evaluation.award(
        actor=buyer,
        process=process,
        submission=submissions[personas["coop"].pk],
        rationale="The best quality, and the lowest price.",
    )


def _contracts(clock):
    """Two signed contracts with the co-operative, the first with three pending milestones: two
    due in the coming months, one due 20 days ago."""
    personas = create_personas(password=PASSWORD)
    rhys = User.objects.create_user("rhys@example.org", PASSWORD, name="Rhys Northgate")
    EmailAddress.objects.create(user=rhys, email=rhys.email, verified=True, primary=True)
    Membership.objects.create(
        user=rhys, organisation=personas["bigco"], role=Membership.Role.SUPPLIER
    )
    personas["rival"] = rhys
    tenders = [_tender(personas, title) for title in (FIRST, SECOND)]
    clock.move_to(max(p.phase.deadline for p in tenders) + timedelta(hours=1))
    awards = [_award(personas, process) for process in tenders]
    clock.move_to(max(a.standstill_ends for a in awards) + timedelta(hours=1))
    signed = [
        contracts.contract_sign(
            actor=personas["buyer"],
            award=award,
            starts_on=date(2027, 1, 4),
            ends_on=date(2027, 12, 31),
        )
        for award in awards
    ]
    today = timezone.localdate()
    for title, criteria, due in [
        ("Door fitted at the central library", "A wheelchair user opens it after 5pm.", 60),
        ("Card readers at every branch", "Each reader lets a library card in.", 120),
        (LATE, "Each branch manager has a card that opens the door.", -LATE_BY),
    ]:
        contracts.milestone_add(
            actor=personas["buyer"],
            contract=signed[0],
            title=title,
            acceptance_criteria=criteria,
            due_on=today + timedelta(days=due),
        )
    return signed


def error_page(steps, heading, *problems):
    """The form came back: a title starting "Error:", the heading, and the error summary naming
    each problem (axe has already run on it)."""
    steps.see_heading(heading)
    assert steps.page.title().startswith("Error: "), steps.page.title()
    summary = steps.page.locator(".govuk-error-summary").inner_text()
    assert "There is a problem" in summary
    for problem in problems:
        assert problem in summary, (problem, summary)


def value_row(steps) -> str:
    row = steps.page.locator(".govuk-summary-list__row").filter(has_text="Value")
    return row.locator("dd").inner_text()


def milestone(steps, number):
    return steps.page.locator("main ol > li").filter(
        has=steps.page.locator("h3", has_text=re.compile(rf"^{number}\. "))
    )


def test_a_buyer_runs_a_contract_to_completion_and_terminates_another(browser, live_server):
    contexts = []

    def person(email=None):
        steps = new_steps(browser, live_server)
        contexts.append(steps.page.context)
        if email:
            steps.sign_in(email, PASSWORD)
        return steps

    with time_machine.travel(timezone.now(), tick=True) as clock:
        first, second = _contracts(clock)
        assert (first.value_amount, first.title) == (Decimal("48000.00"), FIRST)

        # Given Bea, the council's buyer officer, on the first contract's page
        bea = person("bea@example.org")
        bea.visit(f"/contracts/{first.pk}/")
        bea.see_heading(FIRST)
        assert value_row(bea) == "GBP 48000.00"
        assert "No outcome measures yet." in main_text(bea)

        # When she sends the outcome measure form empty
        click(bea, "link", "Add an outcome measure")
        bea.see_heading("Add an outcome measure")
        click(bea, "button", "Add the measure")
        # Then it comes back saying what is missing
        error_page(bea, "Add an outcome measure", "This field is required")
        assert bea.page.locator(".govuk-error-summary li").count() == 2  # the measure, the target
        # When she fills it in
        bea.page.get_by_label("Outcome measure").fill("Evening visits")
        bea.page.get_by_label("Unit").fill("a week")
        bea.page.get_by_label("Target").fill("400")
        click(bea, "button", "Add the measure")
        # Then the measure is on the contract, not yet measured
        assert "Outcome measure added." in main_text(bea)
        row = bea.page.locator("main table tbody tr").filter(has_text="Evening visits")
        assert row.locator("td").all_inner_texts()[1:] == ["400.00 a week", "—"]

        # When she records what was measured, typing a word first
        click(bea, "link", "record Evening visits")
        bea.see_heading("Record “Evening visits”")
        bea.page.get_by_label("Measured value").fill("lots")
        click(bea, "button", "Record it")
        error_page(bea, "Record “Evening visits”", "Enter an amount as a number, like 25000")
        assert bea.page.get_by_label("Measured value").input_value() == "lots"  # kept
        bea.page.get_by_label("Measured value").fill("380.5")
        click(bea, "button", "Record it")
        # Then the actual is shown against the target
        assert "Measurement recorded." in main_text(bea)
        row = bea.page.locator("main table tbody tr").filter(has_text="Evening visits")
        assert row.locator("td").all_inner_texts()[1:] == ["400.00 a week", "380.50 a week"]

        # When she amends the contract, first with a value that is not a number
        click(bea, "link", "Amend the contract")
        bea.see_heading("Amend the contract")
        bea.page.get_by_label("Change in value").fill("six thousand")
        bea.page.get_by_label("Why", exact=True).fill(AMENDMENTS[0][1])
        click(bea, "button", "Record the amendment")
        error_page(bea, "Amend the contract", "Enter an amount as a number, like 25000")
        assert bea.page.get_by_label("Why", exact=True).input_value() == AMENDMENTS[0][1]
        bea.page.get_by_label("Change in value").fill(AMENDMENTS[0][0])
        click(bea, "button", "Record the amendment")
        # Then the value shows the change and its percentage of the signed value
        assert "Amendment recorded." in main_text(bea)
        assert value_row(bea) == "GBP 54000.00 (GBP 48000.00 signed; amendments 6000.00, 12.5%)"
        # And a second amendment, a reduction, gives the cumulative change
        click(bea, "link", "Amend the contract")
        bea.page.get_by_label("Change in value").fill(AMENDMENTS[1][0])
        bea.page.get_by_label("Why", exact=True).fill(AMENDMENTS[1][1])
        click(bea, "button", "Record the amendment")
        assert value_row(bea) == "GBP 52800.00 (GBP 48000.00 signed; amendments 4800.00, 10.0%)"
        listed = bea.page.locator("main h2:has-text('Amendments') + ul li").all_inner_texts()
        assert [item.split(": ", 1)[1] for item in listed] == [
            f"GBP 6000.00 — {AMENDMENTS[0][1]}",
            f"GBP -1200.00 — {AMENDMENTS[1][1]}",
        ]

        # When she tries to complete it with its milestones still pending
        click(bea, "link", "Mark it complete")
        bea.see_heading("Mark the contract complete")
        click(bea, "button", "Mark it complete")
        # Then she is told every milestone must be accepted first
        error_page(
            bea,
            "Mark the contract complete",
            "Every milestone must be accepted before the contract completes.",
        )
        bea.visit(f"/contracts/{first.pk}/")

        # When she does not accept milestone 2, without saying why
        click(bea, "button", NOT_ACCEPTED_2)
        error_page(bea, "Not accepting “Card readers at every branch”", "Say which acceptance")
        # And then saying why, from the contract page
        bea.visit(f"/contracts/{first.pk}/")
        milestone(bea, 2).get_by_label("Why it is not accepted").fill(
            "The reader at the east branch rejects library cards."
        )
        click(bea, "button", NOT_ACCEPTED_2)
        # Then it is recorded as not accepted, with the reason shown
        assert "Recorded as not accepted." in main_text(bea)
        text = milestone(bea, 2).inner_text()
        assert "Not accepted" in text and "rejects library cards" in text

        # When she accepts every milestone
        click(bea, "button", "Accept milestone 1")
        assert "Milestone accepted." in main_text(bea)
        click(bea, "button", "Accept milestone 2")
        assert "Milestone accepted." in main_text(bea)
        # The third is past due by more than the margin: the contract page says it needs a lesson
        assert "past due: deciding it now needs a lesson" in milestone(bea, 3).inner_text()
        click(bea, "button", "Accept milestone 3")
        bea.see_heading(f"Accepting “{LATE}”")
        assert f"{LATE_BY} days ago, more than the 14 days allowed" in main_text(bea)
        click(bea, "button", "Accept it")
        error_page(bea, f"Accepting “{LATE}”", "Record a lesson, or say why there is no lesson")
        group = bea.page.get_by_role("group", name="What does this teach?")
        group.get_by_label("Record a lesson", exact=True).check()
        bea.page.get_by_label("The lesson, in a line").fill(LESSON_TITLE)
        bea.page.get_by_label("What was tried").fill("Keys ordered once the doors were fitted.")
        bea.page.get_by_label("What happened").fill("The keys came three weeks late.")
        bea.page.get_by_label("Why it happened (the root cause)").fill(
            "The key supplier needs six weeks, and nobody asked."
        )
        bea.page.get_by_label("What to do differently next time").fill(
            "Order keys with the doors, and ask each supplier its lead time."
        )
        click(bea, "button", "Accept it")
        assert "Milestone accepted." in main_text(bea)
        for number in (1, 2, 3):
            assert "Accepted" in milestone(bea, number).locator("h3").inner_text()
        assert bea.page.get_by_role("button", name=re.compile("^Accept milestone")).count() == 0

        # And completes the contract
        click(bea, "link", "Mark it complete")
        click(bea, "button", "Mark it complete")
        # Then it is complete, and there is nothing more to change
        assert "The contract is complete." in main_text(bea)
        status = bea.page.locator(".govuk-summary-list__row").filter(has_text="Status")
        assert status.locator("dd").inner_text() == "Completed"
        for action in ("Amend the contract", "Mark it complete", "Terminate it", "Add a milestone"):
            assert bea.page.get_by_role("link", name=action).count() == 0, action

        # When she terminates the second contract, first giving no reason
        bea.visit(f"/contracts/{second.pk}/")
        bea.see_heading(SECOND)
        click(bea, "link", "Terminate it")
        bea.see_heading("Terminate the contract")
        click(bea, "button", "Terminate")
        error_page(
            bea,
            "Terminate the contract",
            "This field is required",
            "Record a lesson, or say why there is no lesson to learn",
        )
        bea.page.get_by_label("Why the contract ends early (published)").fill(TERMINATION)
        # And says why there is no lesson to learn (published too)
        bea.page.get_by_label("There is no lesson to learn: say why (published)").check()
        bea.page.get_by_label("If there is no lesson: why not").fill(NO_LESSON)
        click(bea, "button", "Terminate")
        # Then it is terminated, with the reason on the page
        assert "Contract terminated." in main_text(bea)
        status = bea.page.locator(".govuk-summary-list__row").filter(has_text="Status")
        assert status.locator("dd").inner_text() == f"Terminated: {TERMINATION}"

        # And anyone reads both, with no way to change them
        anyone = person()
        anyone.visit(f"/contracts/{first.pk}/")
        text = main_text(anyone)
        assert "Completed" in text and "amendments 4800.00, 10.0%" in text
        assert "380.50 a week" in text
        anyone.visit(f"/contracts/{second.pk}/")
        assert f"Terminated: {TERMINATION}" in main_text(anyone)
        for name in ("Terminate it", "Amend the contract"):
            assert anyone.page.get_by_role("link", name=name).count() == 0

    # And the record matches what the pages showed
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Contract.Status.COMPLETED and first.ended_at
    assert second.status == Contract.Status.TERMINATED
    assert second.termination_reason == TERMINATION
    assert set(Milestone.objects.values_list("status", flat=True)) == {"accepted"}
    late = Milestone.objects.get(title=LATE)
    lesson = Lesson.objects.get(title=LESSON_TITLE)
    assert lesson.status == Lesson.Status.PUBLISHED and lesson.about == late
    assert lesson.about_url == f"/contracts/{first.pk}/#milestone-3"
    ended = Capture.objects.get(kind=Capture.Kind.TERMINATED)
    assert (ended.about, ended.lesson, ended.no_lesson_reason) == (second, None, NO_LESSON)
    assert Outcome.objects.get().actual == Decimal("380.50")
    assert [a.value_change for a in Amendment.objects.all()] == [
        Decimal("6000.00"),
        Decimal("-1200.00"),
    ]
    for context in contexts:
        context.close()
