"""The accounts API: authentication, errors with field paths, the same rules as the pages."""

import json

import pytest
from django.test import Client

from openbuy.accounts import services


@pytest.fixture
def token(personas):
    return services.api_token_create(actor=personas["org_admin"], name="tests")[1]


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_needs_authentication(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in or send an API token."}


def test_me_with_a_token(client, personas, token):
    response = client.get("/api/v1/me", **bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "nia@example.org"
    assert body["memberships"] == [
        {
            "organisation": "riverside-borough-council",
            "organisation_name": "Riverside Borough Council",
            "role": "admin",
        }
    ]


def test_a_bad_or_revoked_token_is_refused_even_on_public_endpoints(client, personas, token):
    response = client.get("/api/v1/organisations", **bearer("obt_not-a-real-token"))
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]
    revoke = client.get("/api/v1/tokens", **bearer(token)).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{revoke}", **bearer(token)).status_code == 200
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_public_reads_need_no_account(client, personas):
    response = client.get("/api/v1/organisations?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [o["slug"] for o in body["items"]] == ["hillside-health-trust", "northgate-systems-plc"]
    response = client.get("/api/v1/organisations?kind=supplier")
    assert {o["kind"] for o in response.json()["items"]} == {"supplier"}
    response = client.get("/api/v1/organisations/patel-mobility-co-operative")
    assert response.json()["is_social_enterprise"] is True
    assert client.get("/api/v1/organisations/nope").json() == {"detail": "Not found."}


def test_schema_errors_name_the_field(client, personas, token):
    response = client.post(
        "/api/v1/organisations",
        {"name": "", "kind": "shop"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "kind"} <= fields


def test_malformed_json_is_a_clear_error(client, personas, token):
    response = client.post(
        "/api/v1/organisations/riverside-borough-council/members",
        "{not json",
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code in {400, 422}
    assert "detail" in response.json()


def test_service_errors_name_the_field(client, personas, token):
    response = client.post(
        "/api/v1/organisations/riverside-borough-council/members",
        {"email": "nobody@example.org", "role": "frontline"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"
    response = client.post(
        "/api/v1/organisations/riverside-borough-council/members",
        {"email": "eve@example.org", "role": "supplier"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_member_lifecycle_through_the_api(client, personas, token):
    url = "/api/v1/organisations/riverside-borough-council/members"
    created = client.post(
        url,
        {"email": "eve@example.org", "role": "frontline"},
        content_type="application/json",
        **bearer(token),
    )
    assert created.status_code == 201
    member_id = created.json()["id"]
    changed = client.patch(
        f"{url}/{member_id}", {"role": "buyer"}, content_type="application/json", **bearer(token)
    )
    assert changed.json()["role"] == "buyer"
    assert client.delete(f"{url}/{member_id}", **bearer(token)).status_code == 204
    assert client.delete(f"{url}/{member_id}", **bearer(token)).status_code == 404


def test_session_writes_need_the_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["org_admin"])
    response = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    browser.get("/account/tokens/")  # sets the CSRF cookie, as a page visit would
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
    assert response.json()["token"].startswith("obt_")


def test_tokens_are_listed_without_their_secret(client, personas, token):
    listed = client.get("/api/v1/tokens", **bearer(token)).json()
    assert token not in json.dumps(listed)
    assert listed[0]["prefix"] == token[:10]


def test_patch_organisation(client, personas, token):
    response = client.patch(
        "/api/v1/organisations/riverside-borough-council",
        {"website": "https://riverside.example"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 200
    assert response.json()["website"] == "https://riverside.example"
    response = client.patch(
        "/api/v1/organisations/hillside-health-trust",
        {"website": "https://x.example"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("extra", [0, 15])
def test_organisation_list_endpoint_queries_are_constant(
    client, personas, django_assert_num_queries, extra
):
    for i in range(extra):
        services.organisation_create(actor=personas["admin"], name=f"Org {i}", kind="buyer")
    with django_assert_num_queries(2):  # count, then the page
        response = client.get("/api/v1/organisations")
    assert response.json()["count"] == 4 + extra


@pytest.mark.parametrize("extra", [0, 15])
def test_activity_endpoint_queries_are_constant(client, personas, django_assert_num_queries, extra):
    for i in range(extra):
        services.organisation_create(actor=personas["admin"], name=f"Org {i}", kind="buyer")
    with django_assert_num_queries(2):
        response = client.get("/api/v1/activity")
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 6])
def test_member_list_endpoint_queries_are_constant(
    client, personas, django_assert_num_queries, extra
):
    from openbuy.accounts.models import User

    for i in range(extra):
        user = User.objects.create_user(f"m{i}@example.org", "x" * 12, name=f"Member {i}")
        services.membership_add(
            actor=personas["org_admin"],
            organisation=personas["council"],
            email=user.email,
            role="frontline",
        )
    with django_assert_num_queries(2):  # the organisation, then its members with their users
        response = client.get("/api/v1/organisations/riverside-borough-council/members")
    assert len(response.json()) == 3 + extra


@pytest.mark.parametrize("extra", [0, 10])
def test_token_lists_have_constant_queries(client, personas, django_assert_num_queries, extra):
    for i in range(extra):
        services.api_token_create(actor=personas["supplier"], name=f"t{i}")
    client.force_login(personas["supplier"])
    client.get("/account/tokens/")
    with django_assert_num_queries(3):  # session, user, tokens
        assert client.get("/account/tokens/").status_code == 200
    with django_assert_num_queries(3):
        assert client.get("/api/v1/tokens").status_code == 200
