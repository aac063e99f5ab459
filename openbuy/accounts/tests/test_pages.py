"""The organisation, profile and token pages: forms in, clear errors out, nothing lost."""

from django.urls import reverse

from openbuy.accounts.models import ApiToken, Organisation


def test_registering_an_organisation(client, personas):
    client.force_login(personas["admin"])
    response = client.post(
        reverse("accounts:organisation-create"),
        {
            "name": "Tiny Repairs CIC",
            "kind": "supplier",
            "size": "micro",
            "is_social_enterprise": "on",
            "time_zone": "Europe/London",
            "website": "tiny.example",
        },
    )
    org = Organisation.objects.get(name="Tiny Repairs CIC")
    assert response["Location"] == reverse("accounts:organisation-detail", args=[org.slug])
    assert org.website == "https://tiny.example"
    assert org.is_social_enterprise


def test_a_supplier_without_a_size_is_explained_and_the_input_kept(client, personas):
    client.force_login(personas["admin"])
    response = client.post(
        reverse("accounts:organisation-create"),
        {
            "name": "Tiny Repairs CIC",
            "kind": "supplier",
            "time_zone": "Europe/London",
            "description": "We fix things",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Select the supplier" in html
    assert 'value="Tiny Repairs CIC"' in html and "We fix things" in html
    assert "<title>Error: " in html
    assert not Organisation.objects.filter(name="Tiny Repairs CIC").exists()


def test_editing_an_organisation(client, personas):
    client.force_login(personas["org_admin"])
    url = reverse("accounts:organisation-edit", args=[personas["council"].slug])
    response = client.post(url, {"name": "Riverside Council", "time_zone": "Europe/Dublin"})
    assert response.status_code == 302
    council = Organisation.objects.get(pk=personas["council"].pk)
    assert (council.name, council.time_zone) == ("Riverside Council", "Europe/Dublin")
    response = client.post(url, {"name": "", "time_zone": "Nowhere/Else"})
    assert response.status_code == 400
    assert "Nowhere/Else" in response.content.decode()


def test_adding_a_member_with_errors_keeps_the_email(client, personas):
    client.force_login(personas["org_admin"])
    response = client.post(
        reverse("accounts:member-add", args=[personas["council"].slug]),
        {"email": "nobody@example.org", "role": "frontline"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "no openbuy account with that email address" in html
    assert 'value="nobody@example.org"' in html


def test_profile_name_change(client, personas):
    client.force_login(personas["resident"])
    response = client.post(
        reverse("accounts:profile"), {"name": "  Rosa M. Reid ", "email_notifications": "never"}
    )
    assert response.status_code == 302
    personas["resident"].refresh_from_db()
    assert personas["resident"].name == "Rosa M. Reid"
    assert personas["resident"].email_notifications == "never"
    response = client.post(reverse("accounts:profile"), {"name": ""})
    assert response.status_code == 400


def test_tokens_page_shows_the_secret_once_and_revokes(client, personas):
    client.force_login(personas["supplier"])
    response = client.post(reverse("accounts:tokens"), {"name": "script"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=personas["supplier"])
    assert "obt_" in html and "will not be shown again" in html
    assert "obt_" not in client.get(reverse("accounts:tokens")).content.decode().replace(
        token.key_prefix, ""
    )
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_anothers_token_from_the_page(client, personas):
    from openbuy.accounts import services

    token, _ = services.api_token_create(actor=personas["supplier"], name="script")
    client.force_login(personas["admin"])
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
