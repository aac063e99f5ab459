"""A tender, end to end in a browser: the buyer publishes it from a frozen specification, a
supplier asks a question and everyone sees the anonymous answer, the buyer amends the
specification and the deadline moves, two suppliers submit and one revises, a late submission
is refused, and after the deadline the buyer opens the submissions and a receipt verifies.
axe runs on every page visited.

The live server runs in this process, so time-machine moves its clock too: everything before
the deadline happens at the real time, and the clock moves six days on (under the two weeks a
session lasts) to pass the deadline.
"""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from openbuy.accounts.models import Membership, User
from openbuy.demo.personas import create_personas
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area
from openbuy.processes.models import Process
from openbuy.specifications import services as specs
from tests.system.conftest import Steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"
QUESTION = "Must the doors open from the street, or may people come in through the hall?"
ANSWER = "Either entrance will do, as long as it is step-free."


@pytest.fixture
def frozen_spec(transactional_db):
    """Bea's frozen specification, and a second supplier: Rhys of Northgate Systems plc."""
    personas = create_personas(password=PASSWORD)
    load_cpv_divisions(Area)
    need = needs.need_raise(
        actor=personas["resident"],
        title="Library opening hours do not suit shift workers",
        description="The library closes at 5pm on weekdays.",
        affects="Shift workers and their children",
        area="recreational-cultural-and-sporting-services",
        organisation=personas["council"],
    )
    needs.need_answer(
        actor=personas["buyer"], need=need, status="adopted", reason="We will open later."
    )
    need.refresh_from_db()
    spec = specs.specification_create(
        actor=personas["buyer"],
        organisation=personas["council"],
        title="Evening access to libraries",
        summary="Let people use the library after staff go home.",
        needs=[need],
        value_amount="120000",
    )
    specs.section_edit(
        actor=personas["buyer"],
        spec=spec,
        key="outcomes",
        body="Residents can use the library until 9pm.\n\nWe want fewer complaints about "
        "opening hours.",
    )
    spec.refresh_from_db()
    specs.specification_freeze(actor=personas["buyer"], spec=spec)
    spec.refresh_from_db()
    rhys = User.objects.create_user("rhys@example.org", PASSWORD, name="Rhys Northgate")
    EmailAddress.objects.create(user=rhys, email=rhys.email, verified=True, primary=True)
    Membership.objects.create(
        user=rhys, organisation=personas["bigco"], role=Membership.Role.SUPPLIER
    )
    return spec


def new_steps(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    return Steps(context.new_page())


def click(steps, role, name):
    steps.page.get_by_role(role, name=name).first.click()
    steps.page.wait_for_load_state()
    steps.check()


def main_text(steps) -> str:
    return steps.page.locator("main").inner_text()


def submit(steps, process, answer, price):
    """Fill in every criterion and the price on the submission page, and submit."""
    steps.visit(f"/processes/{process.pk}/submission/")
    for box in steps.page.locator("textarea[name^=answer_]").all():
        box.fill(answer)
    steps.page.fill("input[name=price]", price)
    steps.page.locator("button[name=action][value=submit]").click()
    steps.page.wait_for_load_state()
    steps.check()
    assert "Submitted and sealed" in main_text(steps)
    return steps.page.inner_text("#receipt").strip()


def test_a_tender_from_publication_to_opening(browser, live_server, frozen_spec):
    spec = frozen_spec
    start = timezone.now()
    # In UK time, as the phase page reads it
    enquiry_end = timezone.localtime(start + timedelta(days=2))
    deadline = timezone.localtime(start + timedelta(days=3))

    # Given a buyer who makes a draft tender from her frozen specification
    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit(f"/processes/new/{spec.pk}/")
    bea.see_heading("Run a process for this specification")
    bea.page.get_by_label("Tender: one open competition").check()
    click(bea, "button", "Make a draft")
    bea.see_heading("Evening access to libraries")
    process = Process.objects.get()
    assert process.kind == "tender" and process.is_draft

    # And plans its first phase: questions for two days, submissions for three
    click(bea, "link", "Plan phase 1")
    bea.page.fill("input[name=enquiry_end_0]", f"{enquiry_end:%Y-%m-%d}")
    bea.page.fill("input[name=enquiry_end_1]", f"{enquiry_end:%H:%M}")
    bea.page.fill("input[name=deadline_0]", f"{deadline:%Y-%m-%d}")
    bea.page.fill("input[name=deadline_1]", f"{deadline:%H:%M}")
    click(bea, "button", "Save the phase")
    assert "Phase 1 saved." in main_text(bea)
    planned = bea.page.inner_text("#deadline").strip()
    assert planned == f"{deadline:%-d %B %Y %H:%M}"

    # When she publishes it
    click(bea, "link", "Publish")
    bea.see_heading("Publish the notice")
    click(bea, "button", "Publish")
    # Then it is open for questions, with the frozen specification published
    assert "Published. Suppliers can ask questions now." in main_text(bea)
    assert "Open for questions" in main_text(bea)
    spec.refresh_from_db()
    assert spec.status == "published"

    # When a supplier asks a question
    sam = new_steps(browser, live_server)
    sam.sign_in("sam@example.org", PASSWORD)
    sam.visit(f"/processes/{process.pk}/")
    click(sam, "button", "Ask a question")  # a link styled as a button
    sam.page.fill("textarea[name=question]", QUESTION)
    click(sam, "button", "Send the question")
    assert "Nobody will see who asked" in main_text(sam)
    assert "Your questions" in main_text(sam)

    # And the buyer answers it, without being told who asked
    bea.visit(f"/processes/{process.pk}/")
    click(bea, "link", "Answer 1 waiting question")
    assert QUESTION in main_text(bea)
    assert "Sam" not in main_text(bea) and "Patel" not in main_text(bea)
    bea.page.locator("textarea[name$=answer]").fill(ANSWER)
    click(bea, "button", "Publish the answer")
    assert "Answer published to everyone." in main_text(bea)

    # Then everyone sees the question and its answer, and nobody sees who asked
    anyone = new_steps(browser, live_server)
    rhys = new_steps(browser, live_server)
    rhys.sign_in("rhys@example.org", PASSWORD)
    for viewer in (anyone, rhys):
        viewer.visit(f"/processes/{process.pk}/questions/")
        text = main_text(viewer)
        assert QUESTION in text and ANSWER in text
        assert "Sam" not in text and "Patel" not in text
    anyone.visit(f"/processes/{process.pk}/")
    assert "1 answered question" in main_text(anyone)

    # When the buyer amends the specification with fewer than five days to go
    bea.visit(f"/processes/{process.pk}/")
    click(bea, "link", "Amend the specification")
    click(bea, "link", "Edit Outcomes wanted")
    body = bea.page.input_value("textarea[name=body]")
    bea.page.fill("textarea[name=body]", body.replace("until 9pm", "until 10pm"))
    bea.page.fill("#id_note", "Late shifts end at 10pm, so the doors stay open until then.")
    click(bea, "button", "Save as a new version")
    assert "until 10pm" in main_text(bea)

    # Then the deadline moves so five days remain, and the timeline says so
    anyone.visit(f"/processes/{process.pk}/")
    moved = anyone.page.inner_text("#deadline").strip()
    assert moved != planned
    process.refresh_from_db()
    new_deadline = timezone.localtime(process.current_phase.deadline)
    assert new_deadline >= start + timedelta(days=5)
    assert moved == f"{new_deadline:%-d %B %Y %H:%M}"
    timeline = anyone.page.locator("#timeline + p + ol").inner_text()
    old, new = f"{deadline:%d %B %Y %H:%M}", f"{new_deadline:%d %B %Y %H:%M}"
    assert f"Deadline moved from {old} to {new}" in timeline
    assert "The specification was amended" in timeline
    spec.refresh_from_db()
    assert f"published version {spec.version_count}" in main_text(anyone)

    # When two suppliers submit, and one of them revises
    first = submit(sam, process, "We fit a step-free door with a card reader.", "90000")
    rhys_receipt = submit(rhys, process, "We install our standard access platform.", "110000")
    revised = submit(sam, process, "We fit a step-free door and a video intercom.", "95000")
    # Then the revision has a new receipt, and the earlier one is kept on the page
    assert len({first, rhys_receipt, revised}) == 3
    assert len(first) == 64
    assert "Earlier receipts" in main_text(sam)
    assert first in main_text(sam)
    # And nobody else can see that anything was submitted
    anyone.visit(f"/processes/{process.pk}/submissions/")
    assert "No submissions have been opened yet." in main_text(anyone)
    assert "Patel" not in main_text(anyone) and "Northgate" not in main_text(anyone)

    # Given a supplier with the form open just before the deadline
    rhys.visit(f"/processes/{process.pk}/submission/")
    rhys.page.locator("textarea[name^=answer_]").first.fill("A last-minute change.")

    # When the deadline passes (six days on: a session lasts two weeks)
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=True):
        # And the supplier sends the form anyway
        rhys.page.locator("button[name=action][value=submit]").click()
        rhys.page.wait_for_load_state()
        rhys.check()
        # Then it is refused, saying when the deadline passed
        text = main_text(rhys)
        assert "There is a problem" in text
        assert (
            f"The deadline passed at {new_deadline:%H:%M} on {new_deadline:%d %B %Y}: "
            "submissions can no longer be made or changed" in text
        )
        assert rhys.page.inner_text("#receipt").strip() == rhys_receipt

        # When the buyer opens the submissions
        bea.visit(f"/processes/{process.pk}/")
        assert "Closed" in main_text(bea)
        click(bea, "link", "Open the submissions")
        bea.see_heading("Open the submissions")
        click(bea, "button", "Open the submissions")
        # Then both are opened, with their receipts public
        bea.see_heading("Submissions and receipts")
        table = bea.page.locator("table").inner_text()
        assert "Patel Mobility Co-operative" in table and "Northgate Systems plc" in table
        assert revised in table and rhys_receipt in table and first not in table

        # And anyone can check that a receipt matches what was opened
        anyone.visit(f"/processes/receipts/?sha256={revised}")
        text = main_text(anyone)
        assert "The receipt matches" in text
        assert "What Patel Mobility Co-operative sent" in text
        # And the superseded receipt is explained, not matched
        anyone.visit(f"/processes/receipts/?sha256={first}")
        assert "a later revision replaced it" in main_text(anyone)
        anyone.visit(f"/processes/{process.pk}/")
        assert "In evaluation" in main_text(anyone)

    for steps in (bea, sam, rhys, anyone):
        steps.page.context.close()
