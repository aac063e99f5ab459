import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.accounts import services
from openbuy.accounts.models import Membership, Organisation
from openbuy.audit.models import AuditEvent
from openbuy.audit.services import verify_chain


def test_site_admin_registers_a_supplier_and_it_is_audited(personas):
    org = services.organisation_create(
        actor=personas["admin"],
        name="  Tiny Repairs CIC ",
        kind="supplier",
        size="micro",
        is_social_enterprise=True,
    )
    assert org.name == "Tiny Repairs CIC"
    assert org.slug == "tiny-repairs-cic"
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "organisation.created"
    assert event.actor_id == personas["admin"].pk
    assert event.changes["after"]["size"] == "micro"
    assert verify_chain().ok


def test_slugs_stay_unique(personas):
    a = services.organisation_create(actor=personas["admin"], name="Eastbrook", kind="buyer")
    b = services.organisation_create(actor=personas["admin"], name="Eastbrook", kind="buyer")
    assert (a.slug, b.slug) == ("eastbrook", "eastbrook-2")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "supplier"}, "size"),
        ({"kind": "buyer", "size": "small"}, "size"),
        ({"kind": "buyer", "is_social_enterprise": True}, "is_social_enterprise"),
        ({"kind": "buyer", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"kind": "buyer", "name": ""}, "name"),
        ({"kind": "buyer", "website": "not a url"}, "website"),
    ],
)
def test_bad_organisations_are_refused_with_the_field_named(personas, fields, field):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(actor=personas["admin"], **{"name": "X", **fields})
    assert field in caught.value.message_dict
    assert Organisation.objects.count() == before


def test_only_site_admins_register_organisations(personas):
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=personas["org_admin"], name="X", kind="buyer")


def test_kind_cannot_change(personas):
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(
            actor=personas["admin"], organisation=personas["council"], kind="supplier"
        )
    assert "kind" in caught.value.message_dict


def test_update_records_only_what_changed(personas):
    services.organisation_update(
        actor=personas["org_admin"],
        organisation=personas["council"],
        description="New words",
        name=personas["council"].name,
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "organisation.updated"
    assert event.changes["after"] == {"description": "New words"}
    count = AuditEvent.objects.count()
    services.organisation_update(
        actor=personas["org_admin"], organisation=personas["council"], description="New words"
    )
    assert AuditEvent.objects.count() == count  # nothing changed, nothing recorded


def test_roles_must_fit_the_kind_of_organisation(personas):
    with pytest.raises(ValidationError) as caught:
        services.membership_add(
            actor=personas["admin"],
            organisation=personas["coop"],
            email="rosa@example.org",
            role="buyer",
        )
    assert "role" in caught.value.message_dict


def test_adding_an_unknown_email_or_a_member_twice_is_explained(personas):
    council = personas["council"]
    with pytest.raises(ValidationError, match="no openbuy account"):
        services.membership_add(
            actor=personas["org_admin"],
            organisation=council,
            email="nobody@example.org",
            role="frontline",
        )
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_add(
            actor=personas["org_admin"],
            organisation=council,
            email="BEA@example.org",
            role="frontline",
        )


def test_an_organisation_keeps_at_least_one_admin(personas):
    admin_membership = Membership.objects.get(user=personas["org_admin"])
    with pytest.raises(ValidationError, match="only admin"):
        services.membership_change_role(
            actor=personas["org_admin"], membership=admin_membership, role="buyer"
        )
    with pytest.raises(ValidationError, match="only admin"):
        services.membership_remove(actor=personas["org_admin"], membership=admin_membership)
    # A second admin makes it possible.
    bea = Membership.objects.get(user=personas["buyer"])
    services.membership_change_role(actor=personas["org_admin"], membership=bea, role="admin")
    services.membership_remove(actor=personas["org_admin"], membership=admin_membership)
    assert not Membership.objects.filter(pk=admin_membership.pk).exists()


def test_a_failed_audit_write_rolls_the_change_back(personas, monkeypatch):
    from openbuy.audit import services as audit

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.membership_add(
            actor=personas["org_admin"],
            organisation=personas["council"],
            email="eve@example.org",
            role="frontline",
        )
    assert not Membership.objects.filter(user=personas["evaluator"]).exists()


def test_tokens_authenticate_until_revoked(personas, clock):
    token, secret = services.api_token_create(actor=personas["supplier"], name="script")
    assert secret.startswith("obt_")
    assert token.key_digest != secret and secret not in token.key_digest
    assert services.api_token_authenticate(secret) == personas["supplier"]
    token.refresh_from_db()
    assert token.last_used_at is not None
    services.api_token_revoke(actor=personas["supplier"], token=token)
    assert services.api_token_authenticate(secret) is None
    assert services.api_token_authenticate("obt_wrong") is None
    assert services.api_token_authenticate("") is None


def test_nobody_revokes_anothers_token(personas):
    token, _ = services.api_token_create(actor=personas["supplier"], name="script")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=personas["admin"], token=token)


def test_a_deactivated_users_tokens_stop_working(personas):
    _, secret = services.api_token_create(actor=personas["supplier"], name="script")
    personas["supplier"].is_active = False
    personas["supplier"].save(update_fields=["is_active"])
    assert services.api_token_authenticate(secret) is None


def test_token_events_are_private(personas):
    services.api_token_create(actor=personas["supplier"], name="script")
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "api_token.created"
    assert not event.is_public


def test_site_admins_grant_site_roles_and_it_is_audited(personas):
    rosa = services.user_set_site_role(
        actor=personas["admin"], user=personas["resident"], site_role="moderator", is_active=True
    )
    assert rosa.is_moderator and not rosa.is_superuser
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "user.site_role_changed"
    assert event.changes == {
        "before": {"site_role": "", "is_active": True},
        "after": {"site_role": "moderator", "is_active": True},
    }
    rosa = services.user_set_site_role(
        actor=personas["admin"], user=rosa, site_role="admin", is_active=True
    )
    assert rosa.is_site_admin and rosa.is_superuser and rosa.is_staff


@pytest.mark.parametrize("who", ["moderator", "org_admin", "resident"])
def test_only_site_admins_grant_site_roles(personas, who):
    with pytest.raises(PermissionDenied):
        services.user_set_site_role(
            actor=personas[who], user=personas["resident"], site_role="admin", is_active=True
        )


def test_a_site_admin_cannot_lock_themselves_out(personas):
    with pytest.raises(ValidationError):
        services.user_set_site_role(
            actor=personas["admin"], user=personas["admin"], site_role="", is_active=True
        )
    with pytest.raises(ValidationError):
        services.user_set_site_role(
            actor=personas["admin"], user=personas["admin"], site_role="admin", is_active=False
        )
