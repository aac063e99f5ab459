"""No same mistake twice, in the browser.

A phase of the council's staged competition is stopped at its gate: the buyer cannot decide the
gate until she records what the stop teaches, and the lesson is published. Then a buyer at
another organisation, the Health Trust, drafts a specification for a similar problem: the lesson
shows beside his text, he cannot freeze the specification until he says how it is addressed,
and that answer shows on the public page. axe checks every page visited.
"""

import re
from datetime import timedelta

import pytest
import time_machine

from openbuy.evaluation import services as evaluation
from openbuy.lessons import index
from openbuy.lessons.models import Capture, Lesson
from openbuy.processes import services as processes
from openbuy.specifications.models import Specification
from tests.system.test_evaluation import (  # noqa: F401 - fixture
    BIGCO,
    COOP,
    GO_REASON,
    PASSWORD,
    STOP_REASON,
    staged,
)
from tests.system.test_processes import click, main_text, new_steps

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = {
    "The lesson, in a line": "Design for wheelchair users from the first sketch",
    "What was tried": "Phase 1 asked suppliers for step-free access designs for the library.",
    "What happened": "One design needed stairs at the entrance and was stopped at the gate.",
    "Why it happened (the root cause)": "Our brief never said that wheelchair users must "
    "get in unaided, so a standard entrance with stairs looked acceptable.",
    "What to do differently next time": "State step-free entry for wheelchair users as a "
    "must in the first brief, and test designs with disabled residents.",
}


def test_a_stop_leaves_a_lesson_that_another_buyer_must_face(browser, live_server, staged):  # noqa: F811
    process, personas = staged
    buyer = personas["buyer"]
    index.forget()
    with time_machine.travel(process.phase.deadline + timedelta(hours=1), tick=True):
        # Given phase 1 opened and fully scored by a panel of two (services: evaluation's own
        # browser test drives these pages)
        processes.phase_open(actor=buyer, process=process)
        process.refresh_from_db()
        for who, kind in (("frontline", "staff"), ("evaluator", "expert")):
            evaluation.evaluator_add(actor=buyer, process=process, user=personas[who], kind=kind)
        for submission in process.phase.submissions.all():
            for who in ("frontline", "evaluator"):
                evaluation.declare(actor=personas[who], submission=submission, has_conflict=False)
                for criterion in process.criteria.exclude(kind="price"):
                    evaluation.score_set(
                        actor=personas[who],
                        submission=submission,
                        criterion=criterion,
                        score="7" if submission.organisation == personas["coop"] else "4",
                        justification="Scored.",
                    )

        # When Bea stops Northgate at the gate without saying what it teaches
        bea = new_steps(browser, live_server)
        bea.sign_in("bea@example.org", PASSWORD)
        bea.visit(f"/processes/{process.pk}/")
        click(bea, "button", "Decide the stage gate")
        page = bea.page
        page.get_by_role("group", name=re.compile(f"^{COOP}")).get_by_label(
            "Continue to the next phase"
        ).check()
        page.get_by_label(f"Why, for {COOP}").fill(GO_REASON)
        page.get_by_role("group", name=re.compile(f"^{BIGCO}")).get_by_label("Stop").check()
        page.get_by_label(f"Why, for {BIGCO}").fill(STOP_REASON)
        click(bea, "button", "Decide the gate")
        # Then the gate is not decided: a lesson (or why there is none) is demanded
        assert "There is a problem" in main_text(bea)
        assert "say why there is no lesson to learn" in main_text(bea)
        assert not Capture.objects.exists()
        # When she records the lesson
        page.get_by_label("Record a lesson").check()
        for label, text in LESSON.items():
            page.get_by_label(label).fill(text)
        click(bea, "button", "Decide the gate")
        # Then the gate is decided and the lesson is published, linked to the process
        assert "The stage gate is decided and published." in main_text(bea)
        lesson = Lesson.objects.get()
        assert (
            lesson.status == Lesson.Status.PUBLISHED and lesson.organisation == personas["council"]
        )
        assert Capture.objects.get().lesson == lesson
        bea.visit(f"/lessons/{lesson.pk}/")
        bea.see_heading("Design for wheelchair users from the first sketch")

        # When Owen, at the Health Trust, drafts a specification for a similar problem
        owen = new_steps(browser, live_server)
        owen.sign_in("owen@example.org", PASSWORD)
        owen.visit("/specifications/new/")
        owen.page.fill("input[name=title]", "Step-free access to the outpatients building")
        owen.page.fill(
            "textarea[name=summary]",
            "New entrance designs for the outpatients building, for patients who use wheelchairs.",
        )
        click(owen, "button", "Start the specification")
        click(owen, "link", re.compile("^Edit Outcomes wanted"))
        owen.page.fill(
            "textarea[name=body]",
            "Patients who use wheelchairs get into the building unaided. Suppliers propose "
            "entrance designs; we test the designs with disabled patients.",
        )
        click(owen, "button", "Check the wording")
        # Then the council's lesson shows beside his text
        side = owen.page.locator("main").inner_text()
        assert "Past lessons like this" in side
        assert "Design for wheelchair users from the first sketch" in side
        click(owen, "button", "Save as a new version")

        # When he tries to freeze it without answering the lesson
        spec = Specification.objects.get(title="Step-free access to the outpatients building")
        owen.visit(f"/specifications/{spec.pk}/freeze/")
        assert "Design for wheelchair users from the first sketch" in main_text(owen)
        click(owen, "button", re.compile("^Freeze"))
        # Then it is refused
        assert "There is a problem" in main_text(owen)
        # When he says how it is addressed
        group = owen.page.get_by_role(
            "group", name=re.compile("Design for wheelchair users from the first sketch")
        )
        group.get_by_label("Addressed").check()
        answer = "Step-free entry for wheelchair users is a must in the outcomes."
        owen.page.get_by_label(re.compile("how it is addressed, or why")).fill(answer)
        click(owen, "button", re.compile("^Freeze"))
        assert "frozen for publication" in main_text(owen)

        # Then anyone sees the answer on the specification's public page
        anyone = new_steps(browser, live_server)
        anyone.visit(f"/specifications/{spec.pk}/")
        text = main_text(anyone)
        assert "Lessons faced" in text and answer in text
        assert "Riverside Borough Council" in text
    index.forget()
