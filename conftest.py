"""Fixtures shared by every test: personas, a fast password hasher, a movable clock."""

from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    # Static files straight from the finders (no collectstatic needed); a fast hasher, because
    # argon2 is deliberately slow and the suite creates many users. test_sign_in.py checks that
    # the real configuration uses argon2.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and rate limits live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def personas(db):
    """The persona set of STYLE.md, as in the demo data: resident, frontline, buyer, org_admin,
    other_buyer, evaluator, supplier, moderator, admin, plus their organisations (council, trust,
    coop, bigco). Anonymous is the test client with nobody signed in."""
    from openbuy.demo.personas import create_personas

    return create_personas(password="persona-password-123")


@pytest.fixture
def clock():
    """Move time without sleeping: ``clock.move_to("2026-12-01T12:00Z")``, ``clock.shift(3600)``."""
    import time_machine

    with time_machine.travel("2026-11-25T12:00:00Z", tick=False) as traveller:
        yield traveller


@pytest.fixture
def bulk_posting(monkeypatch):
    """For tests that create many posts by one person at once: lift the posting limits."""
    from datetime import timedelta

    from openbuy.discussion import moderation

    monkeypatch.setattr(
        moderation, "LIMITS", {kind: (10**6, timedelta(minutes=1)) for kind in moderation.LIMITS}
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files and the open data downloads go to temporary folders, never into var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.OCDS_EXPORT_DIR = tmp_path_factory.mktemp("opendata")


@pytest.fixture
def token(personas):
    """``token(who)``: the headers of a personal API token for the persona (made once)."""
    from openbuy.accounts import services as accounts

    made: dict[str, dict] = {}

    def _token(who):
        if who not in made:
            _, secret = accounts.api_token_create(actor=personas[who], name="test")
            made[who] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        return made[who]

    return _token


@pytest.fixture
def call(client, token):
    """``call("put", url, body, who)``: a JSON API request as a persona (anonymous when who is
    None); no body at all, not even {}, when body is None."""

    def _call(method, url, body=None, who=None):
        headers = token(who) if who else {}
        if body is None:
            return client.generic(method.upper(), url, b"", **headers)
        return getattr(client, method)(url, body, content_type="application/json", **headers)

    return _call
