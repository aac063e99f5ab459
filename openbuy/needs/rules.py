"""Who may do what with needs (django-rules predicates, checked by services, pages and API)."""

import rules

from openbuy.accounts.models import Membership
from openbuy.accounts.rules import is_site_admin


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


@rules.predicate
def answers_for(user, need) -> bool:
    """Buyer officers and admins of the organisation the need is addressed to; for a need
    addressed to nobody, any buyer officer (answering addresses it to their organisation)."""
    if not (user.is_authenticated and user.is_active):
        return False
    roles = [Membership.Role.BUYER, Membership.Role.ADMIN]
    memberships = Membership.objects.filter(user=user, role__in=roles, organisation__kind="buyer")
    if need is None:
        return memberships.exists()
    if need.organisation_id is None:
        return memberships.exists()
    return memberships.filter(organisation_id=need.organisation_id).exists()


@rules.predicate
def runs_needs_for(user, organisation) -> bool:
    """Buyer officers and admins of a buyer organisation."""
    if organisation is None or not (user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user,
        organisation=organisation,
        organisation__kind="buyer",
        role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
    ).exists()


@rules.predicate
def adopts(user, idea) -> bool:
    """Who may adopt an idea: whoever may answer its need; for an idea on its own, any buyer."""
    return answers_for(user, idea.need if idea is not None else None)


rules.add_perm("needs.raise_need", is_signed_in)
rules.add_perm("needs.propose_idea", is_signed_in)
rules.add_perm("needs.adopt_idea", adopts)
rules.add_perm("needs.support_need", is_signed_in)
rules.add_perm("needs.answer_need", answers_for)
rules.add_perm("needs.change_policy", is_site_admin | runs_needs_for)
