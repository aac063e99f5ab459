"""Who may do what with accounts and organisations (django-rules predicates).

Checked with ``can(user, "accounts.manage_members", organisation)`` by services, pages and API
alike; templates use ``{% load rules %}{% has_perm … %}``.
"""

import rules

from openbuy.accounts.models import Membership


@rules.predicate
def is_site_admin(user) -> bool:
    return bool(getattr(user, "is_site_admin", False))


@rules.predicate
def is_moderator(user) -> bool:
    return bool(getattr(user, "is_moderator", False))


@rules.predicate
def is_organisation_admin(user, organisation) -> bool:
    if organisation is None or not user.is_authenticated or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user, organisation=organisation, role=Membership.Role.ADMIN
    ).exists()


@rules.predicate
def is_buyer_officer(user, organisation) -> bool:
    if organisation is None or not user.is_authenticated or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user, organisation=organisation, role=Membership.Role.BUYER
    ).exists()


@rules.predicate
def has_no_admin(user, organisation) -> bool:
    """An organisation nobody administers yet: the site's admins set it up."""
    return (
        organisation is not None
        and not Membership.objects.filter(
            organisation=organisation, role=Membership.Role.ADMIN
        ).exists()
    )


def can(user, perm: str, obj=None) -> bool:
    """Whether ``user`` may do ``perm`` (to ``obj``), by openbuy's rules alone.

    Unlike ``user.has_perm`` this gives Django superusers no blanket pass: a site admin can do
    what the rules grant site admins, and cannot, say, answer a need for a council they do not
    work for. Services, views and the API all ask this.
    """
    return bool(user.is_authenticated and user.is_active and rules.has_perm(perm, user, obj))


rules.add_perm("accounts.view_organisation", rules.always_allow)
rules.add_perm("accounts.add_organisation", is_site_admin)
rules.add_perm("accounts.change_organisation", is_site_admin | is_organisation_admin)
# Once an organisation has an admin of its own, only they choose its members: a site admin cannot
# add themselves (or anyone) to, say, a supplier to read its sealed bids.
rules.add_perm("accounts.manage_members", (is_site_admin & has_no_admin) | is_organisation_admin)
rules.add_perm("accounts.see_member_emails", is_site_admin | is_organisation_admin)
rules.add_perm("accounts.change_site_role", is_site_admin)
