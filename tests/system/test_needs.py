"""Needs, end to end in a browser: raise (offered a similar one), support, reach the threshold,
answered in public. axe runs on every page visited."""

import pytest

from openbuy.demo.personas import create_personas
from openbuy.discussion import selectors as discussion_selectors
from openbuy.discussion import services as discussion_services
from openbuy.needs import services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need, NeedsPolicy
from tests.system.conftest import Steps

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"


@pytest.fixture
def personas(transactional_db):
    personas = create_personas(password=PASSWORD)
    load_cpv_divisions(Area)
    NeedsPolicy.objects.create(
        organisation=personas["council"], support_threshold=2, answer_within_days=14
    )
    services.need_raise(
        actor=personas["frontline"],
        title="Broken lift at Riverside station",
        description="Out of order since March.",
        affects="Wheelchair users",
        area="transport-services-excl-waste-transport",
        organisation=personas["council"],
    )
    return personas


def new_steps(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    return Steps(context.new_page())


def test_a_need_from_raising_to_a_public_answer(browser, live_server, personas):
    # Given a resident who raises a need
    rosa = new_steps(browser, live_server)
    rosa.sign_in("rosa@example.org", PASSWORD)
    rosa.visit("/needs/")
    rosa.page.get_by_role("button", name="Raise a need").click()
    rosa.page.wait_for_load_state()
    rosa.check()
    rosa.page.fill("input[name=title]", "Riverside station lift does not work")
    rosa.page.fill("textarea[name=description]", "I cannot get my pushchair to the platform.")
    rosa.page.fill("input[name=affects]", "Parents with pushchairs")
    rosa.page.select_option("select[name=area]", label="Transport services (excl. Waste transport)")
    rosa.page.select_option("select[name=organisation]", label="Riverside Borough Council")
    rosa.page.get_by_role("button", name="Publish need").click()
    rosa.page.wait_for_load_state()
    # Then she is offered the similar need first
    rosa.check()
    assert "Broken lift at Riverside station" in rosa.page.content()
    # And publishes hers anyway, as a different problem
    rosa.page.get_by_role("button", name="Publish it as a new need").click()
    rosa.page.wait_for_load_state()
    rosa.check()
    rosa.see_heading("Riverside station lift does not work")
    need_url = rosa.page.url

    # When two others support it
    for email in ["sam@example.org", "femi@example.org"]:
        other = new_steps(browser, live_server)
        other.sign_in(email, PASSWORD)
        other.visit(need_url)
        other.page.get_by_role("button", name="Support this need").click()
        other.page.wait_for_selector("text=Withdraw my support")
        other.check()
        other.page.context.close()

    # Then it is waiting for an answer, with supports from the frontline shown apart
    need = Need.objects.get(title="Riverside station lift does not work")
    assert (need.support_count, need.frontline_support_count) == (2, 1)
    rosa.visit("/needs/awaiting-answer/")
    assert "Riverside station lift does not work" in rosa.page.content()

    # When the buyer adopts it with a public answer
    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit(need_url)
    bea.page.get_by_label("Adopted").check()
    bea.page.fill("textarea[name=reason]", "We will replace the lift with the rail operator.")
    bea.page.get_by_role("button", name="Publish answer").click()
    bea.page.wait_for_load_state()
    bea.check()
    # Then everyone sees the answer
    rosa.visit(need_url)
    assert "We will replace the lift with the rail operator." in rosa.page.content()
    assert "Adopted" in rosa.page.locator("main").inner_text()
    bea.page.context.close()
    rosa.page.context.close()


def test_a_supplier_proposes_an_idea_and_the_buyer_adopts_it(browser, live_server, personas):
    need = Need.objects.get()
    sam = new_steps(browser, live_server)
    sam.sign_in("sam@example.org", PASSWORD)
    sam.visit(f"/needs/{need.pk}/")
    sam.page.get_by_role("link", name="Propose an idea for this need").click()
    sam.page.wait_for_load_state()
    sam.check()
    sam.page.get_by_role("button", name="Publish idea").click()
    sam.page.wait_for_load_state()
    sam.check()  # the errors, accessibly
    sam.page.fill("input[name=title]", "Bookable step-free minibus")
    sam.page.fill("textarea[name=description]", "A minibus every 20 minutes.")
    sam.page.get_by_label("10,000 to 100,000").check()
    sam.page.select_option("select[name=on_behalf_of]", label="Patel Mobility Co-operative")
    sam.page.get_by_role("button", name="Publish idea").click()
    sam.page.wait_for_load_state()
    sam.check()
    sam.see_heading("Bookable step-free minibus")
    idea_url = sam.page.url
    sam.visit("/ideas/")
    sam.page.context.close()

    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit(idea_url)
    bea.page.fill("textarea[name=reason]", "We will write the specification from it.")
    bea.page.get_by_role("button", name="Adopt idea").click()
    bea.page.wait_for_load_state()
    bea.check()
    assert "Adopted by Riverside Borough Council" in bea.page.content()
    bea.page.context.close()


def test_discussing_a_need(browser, live_server, personas):
    need = Need.objects.get()
    femi = new_steps(browser, live_server)
    femi.sign_in("femi@example.org", PASSWORD)
    femi.visit(f"/needs/{need.pk}/")
    femi.page.fill("textarea[name=body]", "Our crews see this **every** day.")
    femi.page.get_by_label("For", exact=True).check()
    femi.page.get_by_role("button", name="Publish comment").click()
    femi.page.wait_for_load_state()
    femi.check()
    assert "From the frontline" in femi.page.locator(".openbuy-comment").first.inner_text()
    femi.page.context.close()

    rosa = new_steps(browser, live_server)
    rosa.sign_in("rosa@example.org", PASSWORD)
    rosa.visit(f"/needs/{need.pk}/")
    rosa.page.get_by_text("Reply", exact=False).first.click()
    rosa.check()  # with the reply form open
    rosa.page.fill("textarea[name=body] >> nth=0", "Thank you for confirming.")
    rosa.page.get_by_role("button", name="Publish reply").click()
    rosa.page.wait_for_load_state()
    rosa.check()
    assert "Thank you for confirming." in rosa.page.content()
    rosa.page.context.close()


def test_a_long_discussion_is_read_and_answered_a_page_at_a_time(
    browser, live_server, personas, bulk_posting, monkeypatch
):
    """Seven threads, three to a page: the pages' links are axed like the rest, and a reply
    written on the last page brings its writer back to that page, where it shows."""
    monkeypatch.setattr(discussion_selectors, "THREADS_PER_PAGE", 3)
    need = Need.objects.get()
    for i in range(7):
        discussion_services.comment_post(
            actor=personas["frontline"], target=need, body=f"Thread number {i}"
        )
    rosa = new_steps(browser, live_server)
    rosa.sign_in("rosa@example.org", PASSWORD)
    rosa.visit(f"/needs/{need.pk}/")
    pages = rosa.page.get_by_role("navigation", name="Pages of the discussion")
    assert "Threads 1 to 3 of 7, oldest first." in rosa.page.content()
    pages.get_by_role("link", name="Page 3").click()
    rosa.page.wait_for_load_state()
    rosa.check()
    assert rosa.page.url.endswith("?comments=3#discussion-heading")
    discussion = rosa.page.locator(".openbuy-discussion")
    assert "Thread number 6" in discussion.inner_text()
    assert "Thread number 5" not in discussion.inner_text()
    rosa.page.get_by_text("Reply", exact=False).first.click()
    rosa.page.fill("textarea[name=body] >> nth=0", "Still broken this morning.")
    rosa.page.get_by_role("button", name="Publish reply").click()
    rosa.page.wait_for_load_state()
    rosa.check()
    assert "comments=3" in rosa.page.url
    assert "Still broken this morning." in discussion.inner_text()
    assert "Thread number 0" not in discussion.inner_text()
    rosa.page.context.close()


def test_a_spam_comment_is_held_and_a_moderator_hides_it(browser, live_server, personas):
    need = Need.objects.get()
    sam = new_steps(browser, live_server)
    sam.sign_in("sam@example.org", PASSWORD)
    sam.visit(f"/needs/{need.pk}/")
    sam.page.fill(
        "textarea[name=body]",
        "My cousin helped with tips on buying this item! https://cheap-things.example/buy",
    )
    sam.page.get_by_role("button", name="Publish comment").click()
    sam.page.wait_for_load_state()
    sam.check()
    assert "Held for review" in sam.page.content()
    sam.page.context.close()

    mo = new_steps(browser, live_server)
    mo.sign_in("mo@example.org", PASSWORD)
    mo.visit("/moderation/")
    mo.page.get_by_label("Hide").first.check()
    mo.page.fill("input[name=reason] >> nth=0", "Advertising")
    mo.page.get_by_role("button", name="Record decision").first.click()
    mo.page.wait_for_load_state()
    mo.check()
    assert "Nothing is waiting for a decision." in mo.page.content()
    mo.page.context.close()


def test_a_ranking_round_over_five_needs_produces_scores(browser, live_server, personas):
    for i in range(4):
        services.need_raise(
            actor=personas["supplier"] if i % 2 else personas["resident"],
            title=f"Ranked need {i}",
            description="d",
            affects="a",
            area="health-and-social-work-services",
            organisation=personas["council"],
        )
    bea = new_steps(browser, live_server)
    bea.sign_in("bea@example.org", PASSWORD)
    bea.visit("/rankings/new/riverside-borough-council/")
    bea.page.fill("input[name=title]", "Winter priorities")
    for checkbox in bea.page.locator("input[name=needs]").all():
        checkbox.check()
    bea.page.get_by_role("button", name="Open the round").click()
    bea.page.wait_for_load_state()
    bea.check()
    round_url = bea.page.url
    bea.page.context.close()

    femi = new_steps(browser, live_server)
    femi.sign_in("femi@example.org", PASSWORD)
    femi.visit(round_url)
    for _ in range(10):  # every pair of five needs
        # A transitive preference (the title that sorts first wins) gives distinct scores;
        # always pressing the left button could form a cycle where every need wins twice.
        buttons = femi.page.locator("form button[name=choice]:not([value=skip])").all()
        min(buttons, key=lambda button: button.inner_text()).click()
        femi.page.wait_for_load_state()
    femi.check()
    assert "You have answered every pair" in femi.page.content()
    table = femi.page.get_by_role("table", name="Frontline staff").inner_text()
    assert "Ranked need" in table
    scores = [
        float(cell)
        for cell in femi.page.locator(
            "table:has(caption:text('Everyone')) tbody td:nth-child(2)"
        ).all_inner_texts()
    ]
    assert len(scores) == 5 and max(scores) > 50 > min(scores)
    femi.page.context.close()


def test_the_author_uploads_evidence(browser, live_server, personas, tmp_path):
    need = Need.objects.get()
    report = tmp_path / "lift-report.pdf"
    report.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    femi = new_steps(browser, live_server)
    femi.sign_in("femi@example.org", PASSWORD)
    femi.visit(f"/needs/{need.pk}/")
    femi.page.set_input_files("input[name=file]", str(report))
    femi.page.get_by_role("button", name="Upload file").click()
    femi.page.wait_for_load_state()
    femi.check()
    assert femi.page.get_by_role("link", name="lift-report.pdf").count() == 1
    femi.page.context.close()
