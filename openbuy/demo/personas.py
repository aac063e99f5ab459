"""The people every part of openbuy is tested and demonstrated with.

The demo data (`openbuy demo`) and the test fixtures (conftest.py) both build from this one list,
so a permission that works in a test works for the same persona in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.text import slugify

from openbuy.accounts.models import Membership, Organisation, User
from openbuy.audit import services as audit

DEMO_PASSWORD = "openbuy-demo-password"


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str
    kind: str
    size: str = ""
    is_social_enterprise: bool = False
    description: str = ""


@dataclass(frozen=True)
class PersonaSpec:
    key: str
    name: str
    email: str
    description: str
    site_role: str = ""
    organisation: str = ""
    role: str = ""


ORGANISATIONS = [
    OrganisationSpec(
        "council",
        "Riverside Borough Council",
        Organisation.Kind.BUYER,
        description="A district council serving 140,000 residents along the river.",
    ),
    OrganisationSpec(
        "trust",
        "Hillside Health Trust",
        Organisation.Kind.BUYER,
        description="An NHS trust running two hospitals and community clinics.",
    ),
    OrganisationSpec(
        "coop",
        "Patel Mobility Co-operative",
        Organisation.Kind.SUPPLIER,
        size=Organisation.Size.MICRO,
        is_social_enterprise=True,
        description="A worker co-operative that designs accessible transport services.",
    ),
    OrganisationSpec(
        "bigco",
        "Northgate Systems plc",
        Organisation.Kind.SUPPLIER,
        size=Organisation.Size.LARGE,
        description="A national provider of software and outsourced services.",
    ),
]

PERSONAS = [
    PersonaSpec(
        "resident", "Rosa Reid", "rosa@example.org", "a resident: raises and supports needs"
    ),
    PersonaSpec(
        "frontline",
        "Femi Adeyemi",
        "femi@example.org",
        "frontline staff at Riverside Borough Council",
        organisation="council",
        role=Membership.Role.FRONTLINE,
    ),
    PersonaSpec(
        "buyer",
        "Bea Okafor",
        "bea@example.org",
        "buyer officer at Riverside Borough Council",
        organisation="council",
        role=Membership.Role.BUYER,
    ),
    PersonaSpec(
        "org_admin",
        "Nia Evans",
        "nia@example.org",
        "organisation admin at Riverside Borough Council",
        organisation="council",
        role=Membership.Role.ADMIN,
    ),
    PersonaSpec(
        "other_buyer",
        "Owen Grant",
        "owen@example.org",
        "buyer officer at Hillside Health Trust (another organisation)",
        organisation="trust",
        role=Membership.Role.BUYER,
    ),
    PersonaSpec(
        "evaluator",
        "Eve Price",
        "eve@example.org",
        "an evaluator: scores the submissions she is assigned to",
    ),
    PersonaSpec(
        "supplier",
        "Sam Patel",
        "sam@example.org",
        "supplier member of Patel Mobility Co-operative (micro, social enterprise)",
        organisation="coop",
        role=Membership.Role.SUPPLIER,
    ),
    PersonaSpec(
        "moderator",
        "Mo Ahmed",
        "mo@example.org",
        "moderator: reviews reports, hides and restores content",
        site_role=User.SiteRole.MODERATOR,
    ),
    PersonaSpec(
        "admin",
        "Ada Admin",
        "admin@example.org",
        "site admin: manages organisations, roles and settings",
        site_role=User.SiteRole.ADMIN,
    ),
]


def create_personas(*, password: str = DEMO_PASSWORD) -> dict[str, Organisation | User]:
    """Create (or find) the organisations and personas; return them by key.

    Idempotent: running it twice changes nothing. Each new object is audited like any change.
    """
    found: dict[str, Organisation | User] = {}
    organisations: dict[str, Organisation] = {}
    with transaction.atomic():
        for org_spec in ORGANISATIONS:
            org = Organisation.objects.filter(slug=_slug(org_spec.name)).first()
            if org is None:
                org = Organisation.objects.create(
                    name=org_spec.name,
                    slug=_slug(org_spec.name),
                    kind=org_spec.kind,
                    size=org_spec.size,
                    is_social_enterprise=org_spec.is_social_enterprise,
                    description=org_spec.description,
                )
                audit.record(
                    actor=None,
                    action="organisation.created",
                    obj=org,
                    organisation_id=org.pk,
                    summary=f"{org.name} joined as a {org.get_kind_display().lower()}",
                )
            organisations[org_spec.key] = org
            found[org_spec.key] = org
        for person in PERSONAS:
            user = User.objects.filter(email__iexact=person.email).first()
            if user is None:
                user = User.objects.create_user(
                    person.email,
                    password,
                    name=person.name,
                    site_role=person.site_role,
                    is_superuser=person.site_role == User.SiteRole.ADMIN,
                )
                EmailAddress.objects.create(
                    user=user, email=person.email, verified=True, primary=True
                )
                audit.record(
                    actor=user,
                    action="user.signed_up",
                    obj=user,
                    summary=f"{user} created an account",
                    public=False,
                )
            if person.organisation:
                org = organisations[person.organisation]
                membership, created = Membership.objects.get_or_create(
                    user=user, organisation=org, defaults={"role": person.role}
                )
                if created:
                    audit.record(
                        actor=None,
                        action="membership.added",
                        obj=membership,
                        organisation_id=org.pk,
                        summary=f"{user} joined {org.name} as {membership.get_role_display()}",
                    )
            found[person.key] = user
    return found


def _slug(name: str) -> str:
    return slugify(name)
