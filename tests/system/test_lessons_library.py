"""The lessons library in the browser: search it, write a lesson as a draft (after a refused
first try), remove a name from it (after a refused first try), publish it, and find it. axe
checks every page visited, the error pages included."""

import re

import pytest

from openbuy.demo.personas import create_personas
from openbuy.lessons import index
from openbuy.lessons.models import Lesson, Redaction
from tests.system.test_processes import click, main_text, new_steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"


def test_a_buyer_writes_checks_and_publishes_a_lesson(browser, live_server, transactional_db):
    create_personas(password=PASSWORD)
    index.forget()
    anyone = new_steps(browser, live_server)
    anyone.visit("/lessons/")
    anyone.see_heading("Lessons learned")

    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit("/lessons/new/")
    page = bea.page
    page.get_by_label("The lesson, in a line").fill("Market stall licences took months")
    click(bea, "button", "Save the lesson")
    # Refused: what is missing is named, and what was typed is kept.
    assert "There is a problem" in main_text(bea)
    assert page.get_by_label("The lesson, in a line").input_value() == (
        "Market stall licences took months"
    )
    page.get_by_label("What was tried").fill("A paper form for market stall licences.")
    page.get_by_label("What happened").fill(
        "Traders waited months; Officer Dana Whitfield processed every form by hand."
    )
    page.get_by_label("Why it happened (the root cause)").fill(
        "Nobody mapped the licensing process before buying a system for it."
    )
    page.get_by_label("What to do differently next time").fill(
        "Map the process with traders first, then buy."
    )
    page.get_by_label(re.compile("^Keep it as a draft")).check()
    click(bea, "button", "Save the lesson")
    lesson = Lesson.objects.get()
    assert lesson.status == Lesson.Status.DRAFT

    # The name comes out, after a refused first try.
    click(bea, "button", "Remove names")
    page.get_by_label("Names to remove").fill("Dana Whitfield")
    click(bea, "button", "Remove the names")
    assert "There is a problem" in main_text(bea)
    page.get_by_label("Why they are removed (published)").fill("A named officer.")
    click(bea, "button", "Remove the names")
    assert Redaction.objects.filter(lesson=lesson).exists()
    assert "Dana Whitfield" not in main_text(bea)
    click(bea, "button", "Publish")
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.PUBLISHED

    # Anyone finds it by describing the problem in other words.
    anyone.visit("/lessons/")
    anyone.page.get_by_label("Search").fill("licensing for market traders")
    click(anyone, "button", "Search")
    assert "Market stall licences took months" in main_text(anyone)
    assert "Dana Whitfield" not in main_text(anyone)
    index.forget()
