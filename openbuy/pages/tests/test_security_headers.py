"""The headers that tell a browser what a page may do: a Content-Security-Policy without inline
scripts, no framing, a strict referrer policy, no content sniffing, and HSTS behind HTTPS."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from openbuy.pages.tests.test_configuration import run_openbuy

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/needs/",
    "/processes/",
    "/open-data/",
    "/insights/",
    "/account/login/",
    "/api/v1/docs",
    "/api/v1/ocds/releases",
    "/no-such-page/",
]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_forbids_inline_scripts_framing_and_sniffing(client, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/no-such-page/" else 200)
    found = policy(response)
    assert found["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert found["style-src"] == ["'self'"]
    assert found["default-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["base-uri"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_carry_the_policy_too(client, personas):
    client.force_login(personas["buyer"])
    assert "script-src 'self'" in client.get("/processes/")["Content-Security-Policy"]


def test_no_template_has_an_inline_script_or_handler():
    """What the policy forbids must not be in our pages: every <script> has a src (or is a JSON
    data block), and no element carries an on… event handler or a javascript: address."""
    roots = [Path(settings.BASE_DIR) / "openbuy"]
    offenders = []
    for root in roots:
        for template in root.rglob("templates/**/*.html"):
            text = template.read_text(encoding="utf-8")
            for tag in re.findall(r"<script\b[^>]*>", text):
                if "src=" not in tag and 'type="application/json"' not in tag:
                    offenders.append(f"{template}: {tag}")
            for handler in re.findall(r"<[^>]+\son[a-z]+\s*=", text):
                offenders.append(f"{template}: {handler}")
            if "javascript:" in text:
                offenders.append(f"{template}: javascript: address")
            if re.search(r'\sstyle="', text):
                offenders.append(f"{template}: style attribute")
    assert offenders == []


def test_behind_https_browsers_are_told_to_stay_on_https():
    result = run_openbuy(
        "shell",
        "-c",
        "from django.conf import settings as s\n"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT)",
        OPENBUY_DEBUG="0",
        OPENBUY_HTTPS="1",
        OPENBUY_SECRET_KEY="x" * 40,
        OPENBUY_ALLOWED_HOSTS="openbuy.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["31536000", "True", "True", "True"]


def test_hsts_is_sent_on_https_requests(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/")  # not over plain HTTP
