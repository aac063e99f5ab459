"""Sign-up with email verification, sign-in, throttling and password reset, end to end."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from openbuy.accounts.models import User
from openbuy.audit.models import AuditEvent

PASSWORD = "a-long-and-unusual-passphrase"


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST and then run what waits for the commit (emails go out only after it)."""

    def _post(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return _post


def test_sign_up_needs_a_verified_email(client, db, post):
    response = post(
        reverse("account_signup"),
        {
            "name": "Lee Jones",
            "email": "Lee@Example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email__iexact="lee@example.org")
    assert user.name == "Lee Jones"
    assert user.password.startswith("md5$") or user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "Lee@Example.org".lower() in mail.outbox[0].to[0].lower()
    event = AuditEvent.objects.get(action="user.signed_up", actor_id=user.pk)
    assert not event.is_public

    # Not verified: signing in sends another email instead of signing in.
    client.logout()
    response = post(reverse("account_login"), {"login": "lee@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1  # re-sending is limited to once every three minutes

    confirm = link_in(mail.outbox[0])
    response = client.get(confirm)
    assert response.status_code == 200
    response = post(confirm, {})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_errors_keep_what_was_typed(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Lee Jones",
            "email": "lee@example.org",
            "password1": PASSWORD,
            "password2": "different",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="Lee Jones"' in html
    assert 'value="lee@example.org"' in html
    assert not User.objects.exists()


def test_sign_in_with_email_and_password(client, personas):
    response = client.post(
        reverse("account_login"), {"login": "BEA@example.org", "password": "persona-password-123"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas["buyer"].pk)


def test_wrong_password_is_explained_without_saying_which_part_was_wrong(client, personas):
    response = client.post(
        reverse("account_login"), {"login": "bea@example.org", "password": "nope"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert 'value="bea@example.org"' in response.content.decode()


def test_sign_in_is_throttled_after_repeated_failures(client, personas):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "bea@example.org", "password": "nope"})
    response = client.post(
        reverse("account_login"), {"login": "bea@example.org", "password": "persona-password-123"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}
    assert "Too many" in response.content.decode()


def test_throttle_lifts_when_the_window_passes(client, personas, clock):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "bea@example.org", "password": "nope"})
    clock.shift(6 * 60)
    client.post(
        reverse("account_login"), {"login": "bea@example.org", "password": "persona-password-123"}
    )
    assert client.session["_auth_user_id"] == str(personas["buyer"].pk)


def test_sign_in_from_one_address_is_throttled_across_accounts(client, personas):
    """Twenty wrong passwords from one address, whichever accounts they were for, stop the
    next attempt for five minutes, even with the right password for another account."""
    for number in range(20):
        client.post(
            reverse("account_login"), {"login": f"guess{number}@example.org", "password": "nope"}
        )
    response = client.post(
        reverse("account_login"), {"login": "bea@example.org", "password": "persona-password-123"}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many" in response.content.decode()


def test_sign_ups_from_one_address_are_throttled(client, db):
    def sign_up(number: int):
        return client.post(
            reverse("account_signup"),
            {
                "name": f"Person {number}",
                "email": f"person{number}@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )

    for number in range(20):
        assert sign_up(number).status_code == 302, number
        client.logout()
    refused = sign_up(20)
    assert refused.status_code == 429
    assert not User.objects.filter(email="person20@example.org").exists()


def test_password_resets_for_one_account_are_throttled(client, personas, post):
    for _ in range(5):
        post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert len(mail.outbox) == 5
    response = post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert response.status_code == 429
    assert len(mail.outbox) == 5


def test_password_reset(client, personas, post):
    response = post(reverse("account_reset_password"), {"email": "sam@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new = "a-brand-new-passphrase-9"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    client.logout()
    assert (
        client.login(email="sam@example.org", password=new)
        or client.post(
            reverse("account_login"), {"login": "sam@example.org", "password": new}
        ).status_code
        == 302
    )


def test_reset_for_an_unknown_address_does_not_reveal_it(client, db, post):
    response = post(reverse("account_reset_password"), {"email": "ghost@example.org"})
    assert response.status_code == 302  # same answer as for a known address


def test_argon2_is_the_configured_hasher():
    import openbuy.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sign_up_is_audited_by_name_never_by_email(client, db, post):
    post(
        reverse("account_signup"),
        {
            "name": "Nadia Hussain",
            "email": "nadia@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    event = AuditEvent.objects.get(action="user.signed_up")
    assert event.actor_label == "Nadia Hussain"
    assert "nadia@example.org" not in str(event.content())


def test_emails_name_the_service(client, db, post, settings):
    settings.SERVICE_NAME = "Riverside Buys"
    post(
        reverse("account_signup"),
        {
            "name": "Nadia Hussain",
            "email": "nadia@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert "Riverside Buys" in mail.outbox[0].subject + mail.outbox[0].body


def test_the_admin_signs_in_through_the_same_throttled_door(client, personas):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(personas["admin"])
    assert client.get("/admin/").status_code == 200
    client.force_login(personas["moderator"])
    assert client.get("/admin/").status_code == 302  # not staff: back to the admin login
    # …whose own form is never shown: it would take guesses at passwords without the throttle.
    assert client.get("/admin/login/").status_code == 403
    assert client.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 403


def test_sign_in_page_is_worded_for_people(client, db):
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    assert "Email address" in html and "Enter your email address" in html
    assert "placeholder" not in html
    assert "<title>Error: " in html
