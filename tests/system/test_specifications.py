"""A specification written in the open, in a browser: the buyer starts it from an adopted need,
a supplier suggests an edit, a resident comments on a passage, the buyer accepts the suggestion,
the provenance credits the supplier, and the buyer freezes a version. axe runs on every page."""

import pytest

from openbuy.demo.personas import create_personas
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area
from openbuy.specifications.models import Specification, Suggestion
from tests.system.conftest import Steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"


@pytest.fixture
def need(transactional_db):
    personas = create_personas(password=PASSWORD)
    load_cpv_divisions(Area)
    need = needs.need_raise(
        actor=personas["resident"],
        title="Library hours do not suit shift workers",
        description="The library closes at 5pm.",
        affects="Shift workers",
        area="recreational-cultural-and-sporting-services",
        organisation=personas["council"],
    )
    needs.need_answer(
        actor=personas["buyer"], need=need, status="adopted", reason="We will open later."
    )
    return need


def new_steps(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    return Steps(context.new_page())


def click(steps, role, name):
    steps.page.get_by_role(role, name=name).first.click()
    steps.page.wait_for_load_state()
    steps.check()


def test_a_specification_written_in_the_open(browser, live_server, need):
    # Given a buyer who starts a specification from the adopted need
    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit(f"/needs/{need.pk}/")
    click(bea, "button", "Start a specification from this")
    bea.see_heading("Start a specification")
    bea.page.fill("input[name=title]", "Evening access to libraries")
    bea.page.fill("input[name=value_amount]", "120000")
    bea.page.get_by_label("Library hours do not suit shift workers").check()
    click(bea, "button", "Start the specification")
    bea.see_heading("Evening access to libraries")
    spec = Specification.objects.get()
    # And writes the outcomes she wants
    click(bea, "link", "Edit Outcomes wanted")
    bea.page.fill(
        "textarea[name=body]",
        "Residents can use the library until 9pm.\n\nWe want fewer complaints about hours.",
    )
    click(bea, "button", "Check the wording")
    click(bea, "button", "Save as a new version")
    assert "until 9pm" in bea.page.content()

    # When a supplier suggests an edit to that section
    sam = new_steps(browser, live_server)
    sam.sign_in("sam@example.org", PASSWORD)
    sam.visit(f"/specifications/{spec.pk}/")
    click(sam, "link", "Suggest an edit to Outcomes wanted")
    text = sam.page.input_value("textarea[name=proposed_text]")
    sam.page.fill("textarea[name=proposed_text]", text.replace("until 9pm", "until 10pm"))
    sam.page.fill("textarea[name=reason]", "Late shifts end at 10pm.")
    click(sam, "button", "Show my changes and check the wording")
    assert sam.page.locator(".ob-diff ins").count() >= 1
    assert sam.page.locator(".ob-diff del").count() >= 1
    click(sam, "button", "Send the suggestion")
    sam.see_heading("Suggested edit to “Outcomes wanted”")

    # And a resident selects words in a paragraph and comments on them
    rosa = new_steps(browser, live_server)
    rosa.sign_in("rosa@example.org", PASSWORD)
    rosa.visit(f"/specifications/{spec.pk}/")
    rosa.page.evaluate(
        """() => {
            const paragraph = document.querySelector(
                '[data-section="outcomes"][data-paragraph="1"] p'
            );
            const text = paragraph.firstChild;
            const start = text.textContent.indexOf("fewer complaints");
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + "fewer complaints".length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    link = rosa.page.get_by_role("link", name="Comment on the words you selected")
    link.wait_for(state="visible")
    link.click()
    rosa.page.wait_for_load_state()
    rosa.check()
    assert rosa.page.input_value("textarea[name=quote]") == "fewer complaints"
    rosa.page.fill("textarea[name=body]", "How will you count complaints?")
    click(rosa, "button", "Add my comment")
    assert rosa.page.locator("mark.ob-annotated").count() == 1

    # Then the buyer accepts the supplier's suggestion
    bea.visit(f"/specifications/{spec.pk}/suggestions/")
    click(bea, "link", "On “Outcomes wanted” by Sam")
    bea.page.fill("textarea[name=reason]", "Matches the shift patterns.")
    click(bea, "button", "Accept the suggestion")
    assert Suggestion.objects.get().state == "accepted"

    # And the provenance view credits the supplier for the words
    bea.visit(f"/specifications/{spec.pk}/provenance/")
    row = bea.page.locator("tr", has_text="until 10pm")
    assert "Sam" in row.inner_text() and "accepted by Bea" in row.inner_text()

    # And the resident's comment still sits on its words
    bea.visit(f"/specifications/{spec.pk}/")
    assert bea.page.locator("mark.ob-annotated").inner_text() == "fewer complaints"

    # When the buyer freezes it for publication, facing the lessons step
    click(bea, "button", "Freeze for publication")
    assert "No past lessons are close enough" in bea.page.content()
    click(bea, "button", f"Freeze version {spec.versions.count()}")
    spec.refresh_from_db()
    assert spec.status == Specification.Status.FROZEN
    assert "Frozen for publication" in bea.page.content()

    # And the history shows every version, and any two compare
    bea.visit(f"/specifications/{spec.pk}/history/")
    click(bea, "button", "Compare")
    bea.visit(f"/specifications/{spec.pk}/versions/{spec.version_count}/")


def test_the_remaining_specification_pages_pass_axe(browser, live_server, need):
    # Given a specification with an outdated suggestion, a comment on a passage and history
    from openbuy.accounts.models import User
    from openbuy.specifications import services

    buyer = User.objects.get(email="bea@example.org")
    sam = User.objects.get(email="sam@example.org")
    rosa = User.objects.get(email="rosa@example.org")
    need.refresh_from_db()
    spec = services.specification_create(
        actor=buyer, organisation=need.organisation, title="Evening access", needs=[need]
    )
    services.section_edit(
        actor=buyer, spec=spec, key="outcomes", body="Open until 9pm.\n\nFewer complaints."
    )
    spec.refresh_from_db()
    body = spec.latest.section("outcomes")["body"]
    first = services.suggestion_create(
        actor=sam,
        spec=spec,
        section_key="outcomes",
        proposed_text=body.replace("9", "10"),
        reason="Later.",
    )
    clash = services.suggestion_create(
        actor=rosa,
        spec=spec,
        section_key="outcomes",
        proposed_text=body.replace("9", "11"),
        reason="Even later.",
    )
    services.suggestion_accept(actor=buyer, suggestion=first)
    note = services.annotation_create(
        actor=rosa, spec=spec, section_key="outcomes", paragraph=1, body="How counted?"
    )
    # When the buyer visits every page the journey above does not, then axe finds nothing
    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit(f"/specifications/{spec.pk}/suggestions/{clash.pk}/")
    assert "They clash: choose" in bea.page.content()
    click(bea, "button", "Accept the suggestion")  # the markers are still there: refused
    assert "remove the" in bea.page.content()
    bea.visit(f"/specifications/{spec.pk}/annotations/{note.pk}/")
    bea.visit(f"/specifications/{spec.pk}/sections/new/")
    click(bea, "button", "Add the section")  # empty: the error summary, axed too
    bea.visit(f"/specifications/{spec.pk}/details/")
    bea.visit("/specifications/")
    bea.visit(f"/specifications/{spec.pk}/compare/?from_version=1&to_version=99")
