"""Who may do what, persona by persona, on the pages and the API alike."""

import pytest
from django.urls import reverse

PERSONAS = [
    "anonymous",
    "resident",
    "frontline",
    "buyer",
    "org_admin",
    "other_buyer",
    "evaluator",
    "supplier",
    "moderator",
    "admin",
]


def client_for(client, personas, who):
    if who != "anonymous":
        client.force_login(personas[who])
    return client


# (page, who may use it); everybody else gets 403 (or a sign-in redirect when anonymous).
PAGE_RULES = {
    "organisation_page": set(PERSONAS),
    "organisation_edit": {"org_admin", "admin"},
    "organisation_create": {"admin"},
    "profile": set(PERSONAS) - {"anonymous"},
    "tokens": set(PERSONAS) - {"anonymous"},
}


def page_url(name, personas):
    council = personas["council"].slug
    return {
        "organisation_page": reverse("accounts:organisation-detail", args=[council]),
        "organisation_edit": reverse("accounts:organisation-edit", args=[council]),
        "organisation_create": reverse("accounts:organisation-create"),
        "profile": reverse("accounts:profile"),
        "tokens": reverse("accounts:tokens"),
    }[name]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("page", PAGE_RULES)
def test_page_permissions(client, personas, who, page):
    response = client_for(client, personas, who).get(page_url(page, personas))
    if who in PAGE_RULES[page]:
        assert response.status_code == 200
    elif who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
        assert b"You do not have permission" in response.content


@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_organisations_admins_see_the_member_controls(client, personas, who):
    response = client_for(client, personas, who).get(page_url("organisation_page", personas))
    # The council has an admin of its own, so only they choose its members.
    assert (b"Add a member" in response.content) is (who == "org_admin")
    # Email addresses of members are shown to the organisation's and the site's admins only.
    assert (b"bea@example.org" in response.content) is (who in {"org_admin", "admin"})


@pytest.mark.parametrize("who", PERSONAS)
def test_adding_a_member_by_persona(client, personas, who):
    council = personas["council"]
    response = client_for(client, personas, who).post(
        reverse("accounts:member-add", args=[council.slug]),
        {"email": "eve@example.org", "role": "frontline"},
    )
    added = council.memberships.filter(user=personas["evaluator"]).exists()
    if who == "org_admin":
        assert response.status_code == 302
        assert added
    else:
        assert response.status_code in {302, 403}
        assert not added


@pytest.mark.parametrize("who", PERSONAS)
def test_api_member_add_by_persona(client, personas, who):
    council = personas["council"]
    response = client_for(client, personas, who).post(
        f"/api/v1/organisations/{council.slug}/members",
        {"email": "eve@example.org", "role": "frontline"},
        content_type="application/json",
    )
    expected = {"anonymous": 401, "org_admin": 201}.get(who, 403)
    assert response.status_code == expected, response.content


def test_site_admins_choose_members_only_until_an_organisation_has_its_own_admin(personas):
    """Otherwise a site admin could join a supplier and read its sealed bids."""
    from django.core.exceptions import PermissionDenied

    from openbuy.accounts import services
    from openbuy.accounts.models import Membership

    bigco = personas["bigco"]
    assert not bigco.memberships.filter(role=Membership.Role.ADMIN).exists()
    services.membership_add(
        actor=personas["admin"], organisation=bigco, email="eve@example.org", role="admin"
    )
    with pytest.raises(PermissionDenied):
        services.membership_add(
            actor=personas["admin"], organisation=bigco, email="admin@example.org", role="supplier"
        )
    services.membership_add(
        actor=personas["evaluator"], organisation=bigco, email="rosa@example.org", role="supplier"
    )
    assert bigco.memberships.filter(user=personas["resident"]).exists()
    assert not bigco.memberships.filter(user=personas["admin"]).exists()


@pytest.mark.parametrize("who", PERSONAS)
def test_api_organisation_create_by_persona(client, personas, who):
    response = client_for(client, personas, who).post(
        "/api/v1/organisations",
        {"name": "Eastbrook Council", "kind": "buyer"},
        content_type="application/json",
    )
    expected = {"anonymous": 401, "admin": 201}.get(who, 403)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("who", PERSONAS)
def test_api_member_emails_only_for_the_organisations_admins(client, personas, who):
    council = personas["council"]
    response = client_for(client, personas, who).get(
        f"/api/v1/organisations/{council.slug}/members"
    )
    assert response.status_code == 200
    emails = {m["email"] for m in response.json()}
    if who in {"org_admin", "admin"}:
        assert "bea@example.org" in emails
    else:
        assert emails == {None}


def test_another_organisations_admin_cannot_manage_this_one(client, personas):
    from openbuy.accounts.models import Membership

    trust = personas["trust"]
    Membership.objects.filter(user=personas["other_buyer"], organisation=trust).update(role="admin")
    client.force_login(personas["other_buyer"])
    council = personas["council"]
    response = client.get(reverse("accounts:organisation-edit", args=[council.slug]))
    assert response.status_code == 403
    response = client.get(reverse("accounts:organisation-edit", args=[trust.slug]))
    assert response.status_code == 200


def test_removing_a_member_asks_first(client, personas):
    from openbuy.accounts.models import Membership

    client.force_login(personas["org_admin"])
    membership = Membership.objects.get(user=personas["buyer"])
    url = reverse("accounts:member-change", args=[personas["council"].slug, membership.pk])
    response = client.post(url, {"action": "remove"})
    assert response.status_code == 200
    assert b"Remove Bea Okafor from Riverside Borough Council?" in response.content
    assert Membership.objects.filter(pk=membership.pk).exists()
    response = client.post(url, {"action": "remove", "confirm": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
