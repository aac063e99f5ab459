from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from openbuy.accounts import selectors, services
from openbuy.accounts.models import ApiToken, Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.accounts.schemas import (
    ErrorOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from openbuy.api_auth import optional_auth
from openbuy.api_pagination import Pagination

router = Router(tags=["accounts"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _member_out(membership: Membership, show_email: bool) -> dict:
    return {
        "id": membership.pk,
        "name": membership.user.name,
        "role": membership.role,
        "role_label": membership.get_role_display(),
        "email": membership.user.email if show_email else None,
    }


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.key_prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who you are signed in as")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "site_role": user.site_role,
        "memberships": [
            {
                "organisation": m.organisation.slug,
                "organisation_name": m.organisation.name,
                "role": m.role,
            }
            for m in selectors.user_memberships(user)
        ],
    }


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    auth=optional_auth,
    summary="All organisations",
)
@paginate(Pagination)
def organisation_list(request, kind: str | None = None):
    return selectors.organisation_list(kind=kind if kind in Organisation.Kind.values else None)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def organisation_create(request, payload: OrganisationIn):
    return Status(201, services.organisation_create(actor=request.auth, **payload.dict()))


@router.get(
    "/organisations/{slug}", response={200: OrganisationOut, 404: ErrorOut}, auth=optional_auth
)
def organisation_detail(request, slug: str):
    return get_object_or_404(Organisation, slug=slug)


@router.patch("/organisations/{slug}", response={200: OrganisationOut, **ERRORS})
def organisation_update(request, slug: str, payload: OrganisationPatch):
    organisation = get_object_or_404(Organisation, slug=slug)
    changes = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None}
    return services.organisation_update(actor=request.auth, organisation=organisation, **changes)


@router.get(
    "/organisations/{slug}/members",
    response={200: list[MemberOut], 404: ErrorOut},
    auth=optional_auth,
)
def member_list(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    show = can(request.auth, "accounts.see_member_emails", organisation)
    return [
        _member_out(m, show)
        for _, members in selectors.organisation_members_by_role(organisation)
        for m in members
    ]


@router.post("/organisations/{slug}/members", response={201: MemberOut, **ERRORS})
def member_add(request, slug: str, payload: MemberIn):
    organisation = get_object_or_404(Organisation, slug=slug)
    membership = services.membership_add(
        actor=request.auth, organisation=organisation, email=payload.email, role=payload.role
    )
    return Status(201, _member_out(membership, True))


def _membership(slug: str, member_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=member_id,
        organisation__slug=slug,
    )


@router.patch("/organisations/{slug}/members/{member_id}", response={200: MemberOut, **ERRORS})
def member_change(request, slug: str, member_id: int, payload: MemberPatch):
    membership = services.membership_change_role(
        actor=request.auth, membership=_membership(slug, member_id), role=payload.role
    )
    return _member_out(membership, True)


@router.delete("/organisations/{slug}/members/{member_id}", response={204: None, **ERRORS})
def member_remove(request, slug: str, member_id: int):
    services.membership_remove(actor=request.auth, membership=_membership(slug, member_id))
    return Status(204, None)


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="Your API tokens")
def token_list(request):
    return [_token_out(t) for t in selectors.user_api_tokens(request.auth)]


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS})
def token_create(request, payload: TokenIn):
    token, secret = services.api_token_create(actor=request.auth, name=payload.name)
    return Status(201, {**_token_out(token), "token": secret})


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    return _token_out(services.api_token_revoke(actor=request.auth, token=token))
