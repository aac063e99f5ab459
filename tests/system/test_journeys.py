"""A first-time visitor, then every persona signing in and visiting their organisation."""

import pytest

from openbuy.demo.personas import PERSONAS, create_personas

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "persona-password-123"


@pytest.fixture
def personas(transactional_db):
    return create_personas(password=PASSWORD)


def test_a_first_time_visitor_reads_the_public_pages(steps, personas):
    # Given a visitor with no account
    # When they open the home page and the public pages it links to
    steps.visit("/")
    steps.see_heading("Public buying that starts with the people")
    for path in [
        "/organisations/",
        "/organisations/riverside-borough-council/",
        "/activity/",
        "/open-data/",
        "/account/login/",
        "/account/signup/",
        "/account/password/reset/",
        "/needs/",
        "/needs/awaiting-answer/",
        "/ideas/",
        "/rankings/",
        "/search/?q=lift",
    ]:
        steps.visit(path)
    # Then a missing page is explained in the same style
    response = steps.visit("/no-such-page/")
    assert response.status == 404
    steps.see_heading("Page not found")


@pytest.mark.parametrize("persona", [p for p in PERSONAS], ids=[p.key for p in PERSONAS])
def test_each_persona_signs_in_and_visits_their_organisation(steps, personas, persona):
    # Given a demo persona
    # When they sign in with their email address
    steps.sign_in(persona.email, PASSWORD)
    # Then they are signed in
    assert steps.page.get_by_role("button", name="Sign out").count() >= 1
    # And they can see their account and their organisation's page
    steps.visit("/account/")
    steps.see_heading("Your account")
    org = personas[persona.organisation] if persona.organisation else personas["council"]
    steps.visit(f"/organisations/{org.slug}/")
    steps.see_heading(org.name)
    if persona.key == "org_admin":
        assert steps.page.get_by_role("heading", name="Add a member").count() == 1
    steps.sign_out()
    assert steps.page.get_by_role("link", name="Sign in").count() >= 1


def test_an_organisation_admin_adds_a_member_without_javascript_errors(steps, personas):
    steps.sign_in("nia@example.org", PASSWORD)
    steps.visit("/organisations/riverside-borough-council/")
    # When they submit the form empty, the errors are explained accessibly
    steps.page.get_by_role("button", name="Add member").click()
    steps.page.wait_for_load_state()
    assert steps.page.locator(".govuk-error-summary").count() == 1
    from tests.system.conftest import check_accessibility

    check_accessibility(steps.page)
    # When they add an existing account as frontline staff
    steps.page.fill("input[name=email]", "eve@example.org")
    steps.page.get_by_label("Frontline staff").check()
    steps.page.get_by_role("button", name="Add member").click()
    steps.page.wait_for_load_state()
    check_accessibility(steps.page)
    assert "Eve Price is now frontline staff" in steps.page.content()


def test_a_supplier_creates_an_api_token(steps, personas):
    steps.sign_in("sam@example.org", PASSWORD)
    steps.visit("/account/tokens/")
    steps.page.fill("input[name=name]", "reporting script")
    steps.page.get_by_role("button", name="Create token").click()
    steps.page.wait_for_load_state()
    check = steps.page.locator("#new-token").inner_text()
    assert check.startswith("obt_")
    from tests.system.conftest import check_accessibility

    check_accessibility(steps.page)


def test_everything_works_with_javascript_off(browser, live_server, personas):
    """Sign in, change a member's role and sign out in a browser with JavaScript disabled."""
    from tests.system.conftest import Steps

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        steps = Steps(context.new_page(), axe=False)
        steps.sign_in("nia@example.org", PASSWORD)
        steps.visit("/organisations/riverside-borough-council/")
        steps.page.select_option("select[name=role] >> nth=0", "admin")
        steps.page.get_by_role("button", name="Change role").first.click()
        steps.page.wait_for_load_state()
        assert "role has been changed" in steps.page.content()
        steps.sign_out()
        assert steps.page.get_by_role("link", name="Sign in").count() >= 1
    finally:
        context.close()


def test_an_organisation_admin_removes_a_member_after_confirming(steps, personas):
    steps.sign_in("nia@example.org", PASSWORD)
    steps.visit("/organisations/riverside-borough-council/")
    steps.page.get_by_role("button", name="Remove Bea Okafor").click()
    steps.page.wait_for_load_state()
    steps.check()
    steps.see_heading("Remove Bea Okafor")
    steps.page.get_by_role("button", name="Yes, remove Bea Okafor").click()
    steps.page.wait_for_load_state()
    steps.check()
    assert "Bea Okafor has been removed" in steps.page.content()


def test_a_site_admin_registers_an_organisation(steps, personas):
    steps.sign_in("admin@example.org", PASSWORD)
    steps.visit("/organisations/")
    steps.page.get_by_role("button", name="Register an organisation").click()
    steps.page.wait_for_load_state()
    steps.check()
    # A supplier with no size: the error is explained, next to the field
    steps.page.fill("input[name=name]", "Tiny Repairs CIC")
    steps.page.get_by_role("radio", name="Supplier", exact=True).check()
    steps.page.get_by_role("button", name="Save").click()
    steps.page.wait_for_load_state()
    steps.check()
    assert "Select the supplier" in steps.page.locator(".govuk-error-summary").inner_text()
    assert steps.page.input_value("input[name=name]") == "Tiny Repairs CIC"
    steps.page.get_by_label("Micro (fewer than 10 staff)").check()
    steps.page.get_by_role("button", name="Save").click()
    steps.page.wait_for_load_state()
    steps.check()
    steps.see_heading("Tiny Repairs CIC")
