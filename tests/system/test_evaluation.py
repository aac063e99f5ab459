"""A staged competition, in a browser, from its phase-1 opening to a phase-2 contract.

Two suppliers bid for phase 1 of a staged competition whose phase 1 declared its success and
kill criteria and takes one supplier forward. After the opening, three evaluators declare
(one declares a conflict with a supplier and is kept off it), two score blind and disagree, the
buyer moderates the disagreement and decides the stage gate: one supplier continues, the other
is stopped, publicly, with the reason — and, once asked for it, the lesson the stop teaches.
Phase 2 runs (its mechanics by services), the buyer awards through the award page, the bidders
read their debriefs, and after the standstill the buyer signs the contract, adds a milestone and
accepts it. axe runs on every page visited.

The live server runs in this process, so time-machine moves its clock too: phase 1 closes two
days on, phase 2 nine days on, and the standstill ends ten days after the award — past the two
weeks a session lasts, so the buyer signs in again for the contract.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from openbuy.accounts.models import Membership, User
from openbuy.demo.personas import create_personas
from openbuy.evaluation import selectors
from openbuy.evaluation import services as evaluation
from openbuy.evaluation.models import Award, Declaration
from openbuy.lessons.models import Lesson
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area
from openbuy.processes import services as processes
from openbuy.processes.models import Invitation, Submission
from openbuy.specifications import services as specs
from tests.system.test_processes import click, main_text, new_steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"
COOP, BIGCO = "Patel Mobility Co-operative", "Northgate Systems plc"
SUCCESS = "A design residents can test within the budget."
KILL = "No design that works for wheelchair users."
SAM_ANSWER = (
    "Patel Mobility Co-operative will fit a step-free door with a card reader. Sam Patel "
    "leads the work, as on our earlier library projects."
)
RHYS_ANSWER = "Northgate Systems plc installs its standard access platform, with stairs."
STOP_REASON = "Kill criterion met: the design needs stairs, so it does not work for wheelchairs."
GO_REASON = "Meets the success criteria: residents tested the step-free door within budget."
LESSON_TITLE = "Ask for step-free access in the brief, not only at the gate"


@pytest.fixture
def staged(transactional_db):
    """A staged competition of two phases, published now: questions for a day, phase 1 closes
    in two days (success and kill criteria declared, one supplier taken forward), phase 2 in
    nine. Sam (Patel Mobility Co-operative) and Rhys (Northgate Systems plc) have submitted."""
    personas = create_personas(password=PASSWORD)
    load_cpv_divisions(Area)
    buyer = personas["buyer"]
    need = needs.need_raise(
        actor=personas["resident"],
        title="Library opening hours do not suit shift workers",
        description="The library closes at 5pm on weekdays.",
        affects="Shift workers and their children",
        area="recreational-cultural-and-sporting-services",
        organisation=personas["council"],
    )
    needs.need_answer(actor=buyer, need=need, status="adopted", reason="We will open later.")
    need.refresh_from_db()
    spec = specs.specification_create(
        actor=buyer,
        organisation=personas["council"],
        title="Evening access to libraries",
        summary="Let people use the library after staff go home.",
        needs=[need],
        value_amount="120000",
    )
    specs.section_edit(
        actor=buyer,
        spec=spec,
        key="outcomes",
        body="Residents can use the library until 9pm.\n\nWe want fewer complaints about "
        "opening hours.",
    )
    spec.refresh_from_db()
    specs.specification_freeze(actor=buyer, spec=spec)
    spec.refresh_from_db()
    rhys = User.objects.create_user("rhys@example.org", PASSWORD, name="Rhys Northgate")
    EmailAddress.objects.create(user=rhys, email=rhys.email, verified=True, primary=True)
    Membership.objects.create(
        user=rhys, organisation=personas["bigco"], role=Membership.Role.SUPPLIER
    )
    personas["rival"] = rhys

    process = processes.process_create(actor=buyer, specification=spec, kind="staged")
    processes.phases_set(actor=buyer, process=process, count=2)
    now = timezone.now()
    for phase in process.phases.all():
        extra = (
            {"take_forward": 1, "success_criteria": SUCCESS, "kill_criteria": KILL}
            if phase.number == 1
            else {}
        )
        processes.phase_update(
            actor=buyer,
            process=process,
            number=phase.number,
            title=phase.title,
            description=phase.description,
            enquiry_end=now + timedelta(days=1 if phase.number == 1 else 8),
            deadline=now + timedelta(days=2 if phase.number == 1 else 9),
            **extra,
        )
    processes.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    submit(process, personas["supplier"], personas["coop"], SAM_ANSWER, "9000")
    submit(process, rhys, personas["bigco"], RHYS_ANSWER, "12000")
    return process, personas


def submit(process, user, organisation, text, price):
    answers = {str(c.number): text for c in process.criteria.exclude(kind="price")}
    return processes.submission_save(
        actor=user,
        process=process,
        organisation=organisation,
        answers=answers,
        price=price,
        submit=True,
    )


def declare(steps, answers):
    """Declare on the panel page, by name, before seeing any response: for each supplier a
    conflict (its details) or none (``""``)."""
    page = steps.page
    for organisation, conflict in answers.items():
        group = page.get_by_role(
            "group", name=re.compile(re.escape(f"conflict of interest with {organisation}?"))
        )
        if conflict:
            group.get_by_label("Yes, I have a conflict").check()
            page.get_by_label(f"If yes, describe your conflict with {organisation}").fill(conflict)
        else:
            group.get_by_label("No, I have no conflict").check()
    click(steps, "button", "Record my declarations")
    assert "Declarations recorded." in main_text(steps)


def score(steps, label, organisation, marks):
    """Open a response from the panel by its letter, check it is blind, score each criterion
    (``{criterion name: (score, justification)}``), and go back to the panel."""
    click(steps, "link", f"Response {label}")
    steps.see_heading(f"Score response {label}")
    assert organisation not in main_text(steps)
    responses = steps.page.locator(".ob-response").all()
    assert len(responses) == len(marks)
    words = organisation.split()[:1] + (["Sam"] if organisation == COOP else [])
    for response in responses:
        text = response.inner_text()
        assert "[the supplier]" in text, text
        for word in words:
            assert word not in text, f"{word!r} is not blinded in {text!r}"
    for name, (value, why) in marks.items():
        section = steps.page.locator("main section").filter(
            has=steps.page.get_by_role("heading", name=re.compile(re.escape(name)))
        )
        section.get_by_label(re.compile(r"^Score for ")).fill(value)
        section.get_by_label(re.compile(r"^Why this score")).fill(why)
        section.get_by_role("button").click()
        steps.page.wait_for_load_state()
        steps.check()
        assert f"Score for “{name}” saved." in main_text(steps)
    click(steps, "link", "Back to your responses")


def test_a_staged_competition_from_phase_1_opening_to_a_phase_2_contract(
    browser, live_server, staged
):
    process, personas = staged
    buyer = personas["buyer"]
    phase1 = process.phase
    refs = {
        s.organisation.name: s.public_id
        for s in Submission.objects.filter(phase=phase1).select_related("organisation")
    }
    contexts = []

    def person(email=None):
        steps = new_steps(browser, live_server)
        contexts.append(steps.page.context)
        if email:
            steps.sign_in(email, PASSWORD)
        return steps

    with time_machine.travel(phase1.deadline + timedelta(hours=1), tick=True) as clock:
        # Given phase 1 opened after its deadline, and a panel of three
        processes.phase_open(actor=buyer, process=process)
        process.refresh_from_db()
        for who, kind in (("frontline", "staff"), ("evaluator", "expert"), ("org_admin", "staff")):
            evaluation.evaluator_add(actor=buyer, process=process, user=personas[who], kind=kind)

        # When Nia declares a conflict with Northgate, and none with the co-operative (first
        # forgetting to say anything about Northgate)
        labels = {
            s.organisation.name: selectors.labels(phase1)[s.pk]
            for s in Submission.objects.filter(phase=phase1).select_related("organisation")
        }
        nia = person("nia@example.org")
        nia.visit(f"/processes/{process.pk}/")
        click(nia, "link", "Evaluation panel")
        nia.see_heading("Evaluation of phase 1")
        assert "Response " not in main_text(nia)  # nothing to score before declaring
        nia.page.get_by_role(
            "group", name=re.compile(re.escape(f"conflict of interest with {COOP}?"))
        ).get_by_label("No, I have no conflict").check()
        click(nia, "button", "Record my declarations")
        assert f"Say whether you have a conflict with {BIGCO}" in main_text(nia)
        declare(nia, {BIGCO: "I advised Northgate Systems plc on its bids until May.", COOP: ""})
        # Then she is kept off Northgate's response, and the declaration is on the record
        text = main_text(nia)
        assert "Conflict: I advised Northgate Systems plc on its bids until May." in text
        assert f"Response {labels[COOP]}" in text and f"Response {labels[BIGCO]}" not in text
        refused = nia.page.goto(f"/processes/{process.pk}/evaluation/{refs[BIGCO]}/")
        assert refused is not None and refused.status == 403
        nia.check()
        assert Declaration.objects.get(evaluator__user=personas["org_admin"], has_conflict=True)
        # Cleared for the co-operative, Nia must score it too before the gate (services here)
        for name, value in (("Quality and feasibility", "6"), ("Social value", "6")):
            evaluation.score_set(
                actor=personas["org_admin"],
                submission=Submission.objects.get(public_id=refs[COOP]),
                criterion=process.criteria.get(name=name),
                score=value,
                justification="NIA: scored through the service.",
            )

        # When Femi and Eve declare no conflict and score each submission, blind
        femi = person("femi@example.org")
        eve = person("eve@example.org")
        marks = {
            femi: {
                COOP: {
                    "Quality and feasibility": ("8", "FEMI: a step-free door residents can try."),
                    "Social value": ("7", "FEMI: local staff and a co-operative."),
                },
                BIGCO: {
                    "Quality and feasibility": ("5", "FEMI: standard, but with stairs."),
                    "Social value": ("5", "FEMI: little said about local benefit."),
                },
            },
            eve: {
                COOP: {
                    "Quality and feasibility": ("4", "EVE: the card reader is untested."),
                    "Social value": ("6", "EVE: some local work."),
                },
                BIGCO: {
                    "Quality and feasibility": ("5", "EVE: a proven platform, but stairs."),
                    "Social value": ("4", "EVE: nothing local."),
                },
            },
        }
        for steps, given in marks.items():
            steps.visit(f"/processes/{process.pk}/evaluation/")
            declare(steps, dict.fromkeys(given, ""))
            for organisation, scores in given.items():
                score(steps, labels[organisation], organisation, scores)

        # Then the buyer sees their disagreement on the co-operative's quality flagged
        bea = person("bea@example.org")
        bea.visit(f"/processes/{process.pk}/")
        click(bea, "link", "Scores and moderation")
        tags = bea.page.locator("main .govuk-tag").all_inner_texts()
        assert len(tags) == 1 and tags[0].startswith("Disagreement: spread 4"), tags
        assert "FEMI: a step-free door residents can try." in main_text(bea)
        # When she records the score the panel agreed, with its reason
        click(bea, "link", f"Record the agreed score for Quality and feasibility, {COOP}")
        bea.see_heading("Agree a score for “Quality and feasibility”")
        bea.page.get_by_label("Agreed score").fill("6")
        bea.page.get_by_label("Why the panel agreed this score").fill(
            "The panel met: the door is sound, the card reader needs a trial."
        )
        click(bea, "button", "Record the agreed score")
        # Then the disagreement is resolved, with the reason shown
        text = main_text(bea)
        assert "Agreed score recorded." in text
        assert "Disagreement" not in text
        assert "(moderated: The panel met: the door is sound" in text

        # When she decides the stage gate: the co-operative continues, Northgate stops
        bea.visit(f"/processes/{process.pk}/")
        click(bea, "button", "Decide the stage gate")
        bea.see_heading("Stage gate after phase 1")
        assert SUCCESS in main_text(bea) and KILL in main_text(bea)
        page = bea.page
        page.get_by_role("group", name=re.compile(f"^{COOP}")).get_by_label(
            "Continue to the next phase"
        ).check()
        page.get_by_label(f"Why, for {COOP}").fill(GO_REASON)
        page.get_by_role("group", name=re.compile(f"^{BIGCO}")).get_by_label("Stop").check()
        page.get_by_label(f"Why, for {BIGCO}").fill(STOP_REASON)
        click(bea, "button", "Decide the gate")
        # Then a stop needs what it teaches: the page comes back asking for it (axed, errors too)
        bea.see_heading("Stage gate after phase 1")
        assert page.title().startswith("Error: ")
        summary = page.locator(".govuk-error-summary")
        assert "Record what this failure teaches" in summary.inner_text()
        # And the summary's link takes her to the choice
        summary.get_by_role("link").first.click()
        assert page.evaluate("document.activeElement.name") == "lesson_choice"
        # When she records the lesson (her decisions were kept)
        assert page.get_by_label(f"Why, for {BIGCO}").input_value() == STOP_REASON
        lesson = page.get_by_role("group", name="If any supplier stops: what does this teach?")
        lesson.get_by_label("Record a lesson", exact=True).check()
        page.get_by_label("The lesson, in a line").fill(LESSON_TITLE)
        page.get_by_label("What was tried").fill("A design competition open to any access design.")
        page.get_by_label("What happened").fill("A design with stairs got as far as the gate.")
        page.get_by_label("Why it happened (the root cause)").fill(
            "The brief said accessible, not step-free."
        )
        page.get_by_label("What to do differently next time").fill(
            "Say step-free in the brief, not only in the kill criteria."
        )
        click(bea, "button", "Decide the gate")
        assert "The stage gate is decided and published." in main_text(bea)
        # Then the lesson is published, about the gate it came from
        kept = Lesson.objects.get(title=LESSON_TITLE)
        assert kept.status == Lesson.Status.PUBLISHED
        assert kept.about_url == f"/processes/{process.pk}/gates/1/"

        # Then anyone sees the stop, at its price, with its reason against the kill criteria
        anyone = person()
        anyone.visit(f"/processes/{process.pk}/gates/1/")
        anyone.see_heading("Stage gate after phase 1")
        text = main_text(anyone)
        assert f"{BIGCO}: stopped after phase 1 at GBP 12000.00. {STOP_REASON}" in text
        assert f"{COOP}: continues to phase 2. {GO_REASON}" in text
        assert KILL in text
        anyone.visit(f"/processes/{process.pk}/")
        assert f"{BIGCO} stopped after phase 1 at GBP 12,000.00" in main_text(anyone)

        # Given phase 2 run for the co-operative alone (accepted, started, submitted)
        invitation = Invitation.objects.get(phase__number=2)
        assert invitation.organisation == personas["coop"]
        processes.invitation_respond(actor=personas["supplier"], invitation=invitation, accept=True)
        process.refresh_from_db()
        processes.phase_start_next(actor=buyer, process=process)
        process.refresh_from_db()
        phase2 = process.phase
        assert phase2.number == 2 and phase2.deadline >= timezone.now() + timedelta(days=5)
        winning = submit(
            process,
            personas["supplier"],
            personas["coop"],
            "A working prototype of the step-free door, tested by twelve residents.",
            "48000",
        )

        # And opened after its deadline, and scored by the panel
        clock.move_to(phase2.deadline + timedelta(hours=1))
        processes.phase_open(actor=buyer, process=process)
        process.refresh_from_db()
        winning.refresh_from_db()
        for who, value in (("frontline", "8"), ("evaluator", "7")):
            evaluation.declare(actor=personas[who], submission=winning, has_conflict=False)
            for criterion in process.criteria.exclude(kind="price"):
                evaluation.score_set(
                    actor=personas[who],
                    submission=winning,
                    criterion=criterion,
                    score=value,
                    justification=f"PHASE2 by {who}: the prototype worked for residents.",
                )

        # When the buyer awards it through the award page
        bea = person("bea@example.org")
        bea.visit(f"/processes/{process.pk}/")
        click(bea, "button", "Award")
        bea.see_heading("Award")
        bea.page.get_by_label(re.compile(f"^{COOP}: ")).check()
        bea.page.get_by_label("Why this submission wins (published)").fill(
            "The only prototype, and residents could use it."
        )
        click(bea, "button", "Award")
        # Then the award notice is public, with the winner's size and value
        bea.see_heading("Award notice")
        assert "Awarded. The notice, the scores and every debrief are public." in main_text(bea)
        anyone.visit(f"/processes/{process.pk}/award/")
        text = main_text(anyone)
        assert f"{COOP} (micro" in text and "social enterprise)" in text
        assert "GBP 48000.00" in text
        award = Award.objects.get(process=process)

        # And each bidder reads its debrief, with its scores and the evaluators' reasons
        sam = person("sam@example.org")
        sam.visit(f"/processes/{process.pk}/award/")
        click(sam, "link", f"{COOP}, phase 2")
        sam.see_heading(f"Debrief for {COOP}")
        text = main_text(sam)
        assert "Your submission won" in text
        assert "PHASE2 by frontline: the prototype worked for residents." in text
        rhys = person("rhys@example.org")
        rhys.visit(f"/processes/{process.pk}/debriefs/{refs[BIGCO]}/")
        rhys.see_heading(f"Debrief for {BIGCO}")
        text = main_text(rhys)
        assert "EVE: a proven platform, but stairs." in text
        assert f"The award went to {COOP}" in text

        # When the standstill has passed (the buyer's session has expired by then)
        clock.move_to(award.standstill_ends + timedelta(hours=1))
        bea = person("bea@example.org")
        bea.visit(f"/processes/{process.pk}/")
        # And she signs the contract through its page
        click(bea, "button", "Sign the contract")
        bea.see_heading(f"Sign the contract with {COOP}")
        today = timezone.localdate()
        bea.page.get_by_label("Starts on").fill(f"{today:%Y-%m-%d}")
        bea.page.get_by_label("Ends on").fill(f"{today + timedelta(days=365):%Y-%m-%d}")
        click(bea, "button", "Sign the contract")
        assert "Contract signed." in main_text(bea)
        assert COOP in main_text(bea)
        # And adds a milestone, and accepts it
        click(bea, "link", "Add a milestone")
        bea.see_heading("Add a milestone")
        bea.page.get_by_label("Milestone").fill("Door fitted at the central library")
        bea.page.get_by_label("Acceptance criteria").fill(
            "A wheelchair user opens the door with a card after 5pm."
        )
        bea.page.get_by_label("Due on").fill(f"{today + timedelta(days=60):%Y-%m-%d}")
        click(bea, "button", "Add the milestone")
        assert "Milestone added." in main_text(bea)
        click(bea, "button", "Accept milestone 1")
        # Then the milestone is accepted, in public
        assert "Milestone accepted." in main_text(bea)
        contract_url = bea.page.url
        anyone.visit(contract_url)
        milestone = anyone.page.locator("main h3").filter(has_text="Door fitted").inner_text()
        assert "Accepted" in milestone

    for context in contexts:
        context.close()
