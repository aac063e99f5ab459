"""Reads for accounts and organisations."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from openbuy.accounts.models import ApiToken, Membership, Organisation, User


def organisation_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.annotate(member_count=Count("memberships")).order_by("name")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def organisation_members_by_role(organisation: Organisation) -> list[tuple[str, list[Membership]]]:
    """Members grouped by role in a fixed order, sorted by name; empty groups left out."""
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    groups = []
    for role in Membership.Role:
        members = [m for m in memberships if m.role == role]
        if members:
            groups.append((role.label, members))
    return groups


def user_memberships(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation")


def user_with_memberships(user_id: int) -> User:
    return User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("organisation"))
    ).get(pk=user_id)


def user_api_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
