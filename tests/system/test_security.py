"""The Content-Security-Policy in a real browser: our own scripts run, a slipped-in one does not."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_our_scripts_run_under_the_policy(steps):
    steps.visit("/")  # fails on any refusal the policy logs
    body = steps.page.evaluate("() => Array.from(document.body.classList)")
    assert "js-enabled" in body and "govuk-frontend-supported" in body
    assert steps.page.evaluate("() => typeof window.htmx") == "object"
    # GOV.UK Frontend started its components (the skip link is one).
    skip = steps.page.locator(".govuk-skip-link")
    assert skip.get_attribute("data-govuk-skip-link-init") is not None


def test_a_script_slipped_into_a_page_does_not_run(steps):
    steps.visit("/needs/")
    refused = steps.page.expect_console_message(lambda m: "Content Security Policy" in m.text)
    with refused:
        steps.page.evaluate(
            """() => {
                const slipped = document.createElement("script");
                slipped.textContent = "window.slippedIn = true";
                document.body.append(slipped);
                const image = document.createElement("img");
                image.setAttribute("src", "x");
                image.setAttribute("onerror", "window.slippedIn = true");
                document.body.append(image);
            }"""
        )
    assert steps.page.evaluate("() => window.slippedIn === true") is False
    assert steps.refused  # what the policy refused is what check() reports
    steps.refused.clear()
