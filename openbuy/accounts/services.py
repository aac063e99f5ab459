"""Every write to accounts and organisations: pages, API and commands all call these.

Each function checks permission, validates, writes inside one transaction and appends the audit
event in that same transaction. Bad input raises ``ValidationError`` keyed by field name;
a missing permission raises ``PermissionDenied``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.text import slugify

from openbuy import clock
from openbuy.accounts.models import ApiToken, Membership, Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit

ORGANISATION_FIELDS = (
    "name",
    "kind",
    "size",
    "is_social_enterprise",
    "time_zone",
    "description",
    "website",
)

logger = logging.getLogger(__name__)


def _require(user, perm: str, obj=None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied("You do not have permission to do that.")


def _organisation_snapshot(org: Organisation) -> dict:
    return {field: getattr(org, field) for field in ORGANISATION_FIELDS}


def _clean_organisation(org: Organisation) -> None:
    if org.kind == Organisation.Kind.BUYER:
        errors = {}
        if org.size:
            errors["size"] = "Only suppliers have a size."
        if org.is_social_enterprise:
            errors["is_social_enterprise"] = "Only suppliers can be social enterprises."
        if errors:
            raise ValidationError(errors)
    elif org.kind == Organisation.Kind.SUPPLIER and not org.size:
        raise ValidationError({"size": "Select the supplier's size."})
    org.full_clean(exclude=["slug"])


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def organisation_create(
    *,
    actor: User,
    name: str,
    kind: str,
    size: str = "",
    is_social_enterprise: bool = False,
    time_zone: str = "Europe/London",
    description: str = "",
    website: str = "",
) -> Organisation:
    _require(actor, "accounts.add_organisation")
    org = Organisation(
        name=name.strip(),
        kind=kind,
        size=size,
        is_social_enterprise=is_social_enterprise,
        time_zone=time_zone,
        description=description.strip(),
        website=website.strip(),
    )
    _clean_organisation(org)
    try:
        with transaction.atomic():
            org.slug = _unique_slug(org.name)
            org.save()
            _record_created(actor, org)
    except IntegrityError:
        # Someone registered an organisation with the same name at the same moment.
        raise ValidationError(
            {"name": "An organisation with this name was registered just now. Try again."}
        ) from None
    return org


def _record_created(actor: User, org: Organisation) -> None:
    audit.record(
        actor=actor,
        action="organisation.created",
        obj=org,
        organisation_id=org.pk,
        summary=f"{actor} registered the {org.get_kind_display().lower()} organisation {org.name}",
        after=_organisation_snapshot(org),
    )


def organisation_update(*, actor: User, organisation: Organisation, **changes) -> Organisation:
    _require(actor, "accounts.change_organisation", organisation)
    unknown = set(changes) - set(ORGANISATION_FIELDS) - {"kind"}
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    if "kind" in changes and changes["kind"] != organisation.kind:
        raise ValidationError({"kind": "An organisation cannot change between buyer and supplier."})
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = _organisation_snapshot(org)
        for field, value in changes.items():
            setattr(org, field, value.strip() if isinstance(value, str) else value)
        _clean_organisation(org)
        after = _organisation_snapshot(org)
        changed = [f for f in ORGANISATION_FIELDS if before[f] != after[f]]
        if not changed:
            return org
        org.save(update_fields=changed)
        audit.record(
            actor=actor,
            action="organisation.updated",
            obj=org,
            organisation_id=org.pk,
            summary=f"{actor} updated the details of {org.name}",
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return org


def _check_role(organisation: Organisation, role: str) -> None:
    allowed = Membership.ROLES_BY_KIND[Organisation.Kind(organisation.kind)]
    if role not in allowed:
        names = ", ".join(Membership.Role(r).label.lower() for r in allowed)
        raise ValidationError(
            {
                "role": f"A {organisation.get_kind_display().lower()} organisation's roles are: "
                f"{names}."
            }
        )


def _guard_last_admin(actor: User, membership: Membership) -> None:
    """An organisation keeps at least one admin, unless a site admin says otherwise."""
    if membership.role != Membership.Role.ADMIN or actor.is_site_admin:
        return
    # Lock the organisation's admin rows, so two admins demoting each other at once queue up
    # and the second one sees that only one admin is left.
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if len(admins) <= 1:
        raise ValidationError(
            {"role": "This is the organisation's only admin. Make someone else an admin first."}
        )


def membership_add(*, actor: User, organisation: Organisation, email: str, role: str) -> Membership:
    _require(actor, "accounts.manage_members", organisation)
    _check_role(organisation, role)
    email = (email or "").strip()
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None:
        raise ValidationError(
            {
                "email": "There is no openbuy account with that email address. "
                "Ask them to create an account first."
            }
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
            audit.record(
                actor=actor,
                action="membership.added",
                obj=membership,
                organisation_id=organisation.pk,
                summary=f"{user} joined {organisation.name} as {membership.get_role_display()}",
                after={"user_id": user.pk, "role": role},
            )
    except IntegrityError:
        raise ValidationError(
            {"email": f"{user} is already a member of {organisation.name}."}
        ) from None
    return membership


def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require(actor, "accounts.manage_members", membership.organisation)
    _check_role(membership.organisation, role)
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=membership.pk)
        )
        if current.role == role:
            return current
        if role != Membership.Role.ADMIN:
            _guard_last_admin(actor, current)
        before = current.role
        current.role = role
        current.save(update_fields=["role"])
        audit.record(
            actor=actor,
            action="membership.role_changed",
            obj=current,
            organisation_id=current.organisation_id,
            summary=f"{current.user} is now {current.get_role_display()} at "
            f"{current.organisation.name}",
            before={"role": before},
            after={"role": role},
        )
    return current


def membership_remove(*, actor: User, membership: Membership) -> None:
    _require(actor, "accounts.manage_members", membership.organisation)
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=membership.pk)
        )
        _guard_last_admin(actor, current)
        audit.record(
            actor=actor,
            action="membership.removed",
            obj=current,
            organisation_id=current.organisation_id,
            summary=f"{current.user} left {current.organisation.name}",
            before={"user_id": current.user_id, "role": current.role},
        )
        current.delete()


def user_update_profile(
    *, actor: User, user: User, name: str, email_notifications: str | None = None
) -> User:
    if not actor.is_authenticated or actor.pk != user.pk:
        raise PermissionDenied("You can only change your own profile.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter your full name."})
    if len(name) > 150:
        raise ValidationError({"name": "Full name must be 150 characters or fewer."})
    if email_notifications is not None and email_notifications != user.email_notifications:
        if email_notifications not in User.EmailFrequency.values:
            raise ValidationError({"email_notifications": "Choose how often to email you."})
        user.email_notifications = email_notifications
        user.save(update_fields=["email_notifications"])
    if name == user.name:
        return user
    with transaction.atomic():
        before = user.name
        user.name = name
        user.save(update_fields=["name"])
        audit.record(
            actor=actor,
            action="user.renamed",
            obj=user,
            summary=f"{before} is now called {name}",
            before={"name": before},
            after={"name": name},
        )
    return user


def user_signed_up(*, user: User) -> None:
    """Record a new account. Private: the public log does not announce who signs up."""
    audit.record(
        actor=user,
        action="user.signed_up",
        obj=user,
        summary=f"{user.name or 'Someone'} created an account",
        public=False,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token. The secret is returned once and never stored."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to create an API token.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token, such as 'laptop'."})
    if len(name) > 100:
        raise ValidationError({"name": "Name must be 100 characters or fewer."})
    secret = ApiToken.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, name=name, key_prefix=secret[:10], key_digest=_digest(secret)
        )
        audit.record(
            actor=actor,
            action="api_token.created",
            obj=token,
            summary=f"{actor} created an API token",
            after={"name": name, "prefix": token.key_prefix},
            public=False,
        )
    return token, secret


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if not actor.is_authenticated or token.user_id != actor.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is not None:
            return current
        current.revoked_at = clock.now()
        current.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="api_token.revoked",
            obj=current,
            summary=f"{actor} revoked an API token",
            before={"name": current.name, "prefix": current.key_prefix},
            public=False,
        )
    return current


def api_token_authenticate(secret: str) -> User | None:
    """The active user behind a token secret, or None. Notes when the token was last used."""
    if not secret or not secret.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        try:
            with transaction.atomic():
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        except DatabaseError:
            # A database that takes no writes for now (read-only, full) still serves reads:
            # when the token was last used is not worth refusing one for.
            logger.warning("Could not record when API token %s was last used", token.pk)
    return token.user


def user_set_site_role(*, actor: User, user: User, site_role: str, is_active: bool) -> User:
    """A site admin makes someone a moderator or admin, or suspends an account."""
    _require(actor, "accounts.change_site_role", user)
    if site_role not in User.SiteRole.values:
        raise ValidationError({"site_role": "Select a site role."})
    if actor.pk == user.pk and (site_role != user.site_role or not is_active):
        raise ValidationError(
            {"site_role": "You cannot change your own site role or suspend yourself."}
        )
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        before = {"site_role": current.site_role, "is_active": current.is_active}
        after = {"site_role": site_role, "is_active": is_active}
        if before == after:
            return current
        current.site_role = site_role
        current.is_active = is_active
        # Site admins hold every model permission, so Django's admin shows them everything.
        current.is_superuser = site_role == User.SiteRole.ADMIN
        current.save(update_fields=["site_role", "is_active", "is_superuser"])
        role = User.SiteRole(site_role).label.lower() if site_role else "no site role"
        audit.record(
            actor=actor,
            action="user.site_role_changed",
            obj=current,
            summary=f"{current.name} now has {role}" + ("" if is_active else " and is suspended"),
            before=before,
            after=after,
        )
    return current
