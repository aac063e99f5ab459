"""Every state-changing request needs the CSRF token: a page's form posted from another site,
or an API call riding on the session cookie, is refused before any view runs. Checked on every
URL pattern there is, so a new page or endpoint is covered the day it is added."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# A value for each path converter: the first of these its regex takes.
CANDIDATES = ("1", "x", str(uuid.uuid4()), "x/y")
UNSAFE = ("post", "put", "patch", "delete")
# Served files, which take no writes.
SKIP = re.compile(r"^/(static|media)/")


def _route(pattern) -> str | None:
    """A concrete path for a pattern (``<int:pk>`` → ``1``); None for a regex we cannot fill."""
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        converters = pattern.pattern.converters

        def sample(match: re.Match) -> str:
            regex = converters[match.group(1)].regex
            return next(c for c in CANDIDATES if re.fullmatch(regex, c))

        return re.sub(r"<(?:\w+:)?(\w+)>", sample, text)
    text = text.lstrip("^").rstrip("$")
    if re.search(r"[()\[\]\\*+?|]", text):
        return None
    return text


def routes(patterns=None, prefix: str = "/") -> list[str]:
    found: list[str] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        part = _route(pattern)
        if part is None:
            continue
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, prefix + part)
        elif isinstance(pattern, URLPattern):
            found.append(prefix + part)
    return sorted({path for path in found if not SKIP.match(path)})


PAGES = [path for path in routes() if not path.startswith("/api/")]
API = [path for path in routes() if path.startswith("/api/")]


def test_every_url_pattern_is_checked():
    assert len(PAGES) > 100 and len(API) > 60
    assert "/needs/new/" in PAGES and "/api/v1/needs" in API


def refused_for_want_of_the_token(response) -> bool:
    """A 403 from the CSRF check itself (Django's page, or the API's JSON), not from a
    permission check that happens to say 403 too."""
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.fixture
def forger(personas):
    """A signed-in resident's browser, made to post by another site: no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["resident"])
    return client


@pytest.mark.parametrize("method", UNSAFE)
def test_no_page_accepts_a_write_without_the_token(forger, method):
    accepted = {}
    for path in PAGES:
        response = getattr(forger, method)(path)
        if not refused_for_want_of_the_token(response):
            accepted[path] = response.status_code
    assert accepted == {}


@pytest.mark.parametrize("method", UNSAFE)
def test_no_api_operation_accepts_the_session_cookie_without_the_token(forger, method):
    accepted = {}
    for path in API:
        response = getattr(forger, method)(path, "{}", content_type="application/json")
        # 405: no operation takes this method here, so there is nothing to forge.
        if response.status_code == 405:
            continue
        if not refused_for_want_of_the_token(response):
            accepted[path] = response.status_code
    assert accepted == {}


def test_the_token_lets_the_write_through(personas):
    """The refusal above is the token's doing: with it, the same request reaches the view."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["resident"])
    client.get("/needs/new/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/needs/new/", {"csrfmiddlewaretoken": token})
    # The form again, with its errors: the view ran.
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    response = client.post(
        "/api/v1/needs", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 422  # the API validated the body: past the CSRF check


def test_signing_in_or_up_from_another_site_is_refused(personas):
    """Login CSRF: another site must not sign a visitor in as someone else, or sign them up."""
    visitor = Client(enforce_csrf_checks=True)
    for path, form in (
        ("/account/login/", {"login": personas["resident"].email, "password": "whatever"}),
        ("/account/signup/", {"email": "new@example.org", "password1": "x" * 20}),
        ("/account/password/reset/", {"email": personas["resident"].email}),
    ):
        assert refused_for_want_of_the_token(visitor.post(path, form)), path
    assert "_auth_user_id" not in visitor.session
