"""Who may do what with processes (django-rules predicates, checked through ``can``).

Anyone may read a published process, its questions and answers and its timeline. Buyer
officers and admins of the buying organisation run it. Members of a supplier organisation ask
questions and submit for their organisation. Nobody else — not the buyer, not a site admin — may
read a submission before it is opened: that rule lives in :mod:`openbuy.processes.selectors`,
where every read of a submission goes through.
"""

import rules

from openbuy.accounts.models import Membership
from openbuy.needs.rules import runs_needs_for


@rules.predicate
def runs(user, process) -> bool:
    return process is not None and runs_needs_for(user, process.organisation)


@rules.predicate
def sees(user, process) -> bool:
    if process is None:
        return False
    return process.published_at is not None or runs_needs_for(user, process.organisation)


@rules.predicate
def is_supplier_member(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user,
        organisation__kind="supplier",
        role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
    ).exists()


@rules.predicate
def acts_for(user, organisation) -> bool:
    """Submits for this supplier organisation (its supplier staff and admins)."""
    if organisation is None or not (user.is_authenticated and user.is_active):
        return False
    if user.is_site_admin:
        # Site admins never read or write sealed bids, even as members of a supplier: the
        # promise is "not the buyer, not the admins". They use a separate account to bid.
        return False
    return Membership.objects.filter(
        user=user,
        organisation=organisation,
        organisation__kind="supplier",
        role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
    ).exists()


rules.add_perm("processes.view", sees)
rules.add_perm("processes.run", runs)
rules.add_perm("processes.ask", is_supplier_member)
rules.add_perm("processes.submit_for", acts_for)
