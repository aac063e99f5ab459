"""Who may do what with specifications (django-rules predicates, checked through ``can``).

Anyone may read a specification: they are written in the open. Anyone signed in may suggest an
edit or comment on a passage while it is being drafted. Only buyer officers and admins of the
organisation that owns it may write it directly, decide on suggestions, freeze, reopen, revert or
amend it.
"""

import rules

from openbuy.accounts.models import Membership
from openbuy.needs.rules import is_signed_in, runs_needs_for


@rules.predicate
def writes_for(user, specification) -> bool:
    if specification is None:
        return False
    return runs_needs_for(user, specification.organisation)


@rules.predicate
def creates_for(user, organisation) -> bool:
    """Buyer officers and admins of this buyer; without an organisation, of any buyer."""
    if organisation is not None:
        return runs_needs_for(user, organisation)
    if not (user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user,
        organisation__kind="buyer",
        role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
    ).exists()


rules.add_perm("specifications.view", rules.always_allow)
# With an organisation: may start a specification for it. Without: may start one for some buyer.
rules.add_perm("specifications.create", creates_for)
rules.add_perm("specifications.write", writes_for)
rules.add_perm("specifications.suggest", is_signed_in)
rules.add_perm("specifications.annotate", is_signed_in)
