"""Browser tests: Playwright driving Debian's Chromium against a live server, axe on every page.

No browser is downloaded: Chromium comes from the system (`apt-get install chromium`). Without it
these tests are skipped, except where OPENBUY_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("OPENBUY_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# Playwright's sync API keeps an event loop in the test thread; the tests' own ORM calls are
# still synchronous, so Django's async-safety guard does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/system" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists() and not shutil.which(p)]
    if missing:
        message = f"browser tests need {', '.join(missing)}"
        if os.environ.get("OPENBUY_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (OPENBUY_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def check_accessibility(page) -> None:
    """Run axe-core (WCAG 2.2 AA) on the page as it stands; fail listing every violation."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern (an injected <script> tag would be refused, as any inline script is).
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert violations == [], f"axe found on {page.url}:\n{json.dumps(violations, indent=2)}"


class Steps:
    """Given/when/then helpers that read like the user's journey; every page visited is axed."""

    def __init__(self, page, *, axe: bool = True):
        self.page = page
        # With JavaScript off axe cannot run; those journeys revisit pages axed elsewhere.
        self.axe = axe
        # Whatever the Content-Security-Policy refused: a page of ours that needs something it
        # forbids (an inline script or style, another site's file) is broken for real users.
        self.refused: list[str] = []
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(f"{self.page.url}: {message.text}")

    def check(self):
        if self.axe:
            check_accessibility(self.page)
        assert self.refused == [], "\n".join(self.refused)

    def visit(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.status < 500, f"{path}: {response.status}"
        self.check()
        return response

    def sign_in(self, email: str, password: str):
        self.visit("/account/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", password)
        self.page.locator("main button[type=submit]").first.click()
        self.page.wait_for_load_state()
        self.check()

    def sign_out(self):
        self.page.get_by_role("button", name="Sign out").first.click()
        self.page.wait_for_load_state()
        if "/account/logout/" in self.page.url:  # the confirmation page, without JavaScript
            self.check()
            self.page.locator("main button[type=submit]").first.click()
            self.page.wait_for_load_state()

    def see_heading(self, text: str):
        heading = self.page.locator("h1")
        assert text in heading.inner_text(), f"expected h1 {text!r}, got {heading.inner_text()!r}"


@pytest.fixture
def steps(page):
    return Steps(page)
