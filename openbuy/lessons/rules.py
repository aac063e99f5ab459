"""Who may do what with lessons (django-rules predicates, checked through ``can``).

Everyone reads published lessons. The buying organisation's officers and admins write its
lessons, check drafts for names, publish them and remove names from them — for their own
organisation only. Lessons imported for organisations with no account here are kept by the
site's admins.
"""

import rules

from openbuy.needs.rules import runs_needs_for


@rules.predicate
def writes_for(user, organisation) -> bool:
    return organisation is not None and runs_needs_for(user, organisation)


@rules.predicate
def keeps(user, lesson) -> bool:
    """The organisation's officers; for a lesson imported for an organisation with no account
    here, the site's admins (who ran the import), so names can still be removed from it."""
    if lesson is None or not (user.is_authenticated and user.is_active):
        return False
    if lesson.organisation_id is None:
        return bool(user.is_site_admin)
    return bool(writes_for(user, lesson.organisation))


@rules.predicate
def reads(user, lesson) -> bool:
    if lesson is None:
        return False
    return lesson.status == "published" or keeps(user, lesson)


rules.add_perm("lessons.write_for", writes_for)
rules.add_perm("lessons.keep", keeps)
rules.add_perm("lessons.read", reads)
