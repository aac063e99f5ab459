"""Pages for organisations, profiles and API tokens. Thin: forms in, services out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from openbuy.accounts import selectors, services
from openbuy.accounts.forms import (
    ApiTokenForm,
    MemberAddForm,
    MemberRoleForm,
    OrganisationForm,
    ProfileForm,
)
from openbuy.accounts.models import ApiToken, Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.ui.forms import apply_errors


def organisation_list(request):
    kind = request.GET.get("kind")
    if kind not in Organisation.Kind.values:
        kind = None
    organisations = selectors.organisation_list(kind=kind)
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": organisations,
            "kind": kind,
            "kinds": Organisation.Kind.choices,
            "can_add": can(request.user, "accounts.add_organisation"),
        },
    )


def organisation_detail(request, slug: str, add_form=None):
    organisation = get_object_or_404(Organisation, slug=slug)
    can_manage = can(request.user, "accounts.manage_members", organisation)
    groups = selectors.organisation_members_by_role(organisation)
    role_choices = [
        (r.value, r.label) for r in Membership.ROLES_BY_KIND[Organisation.Kind(organisation.kind)]
    ]
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "groups": groups,
            "can_manage": can_manage,
            "can_edit": can(request.user, "accounts.change_organisation", organisation),
            "show_emails": can(request.user, "accounts.see_member_emails", organisation),
            "add_form": add_form
            or (MemberAddForm(organisation=organisation) if can_manage else None),
            "role_choices": role_choices,
        },
        status=400 if add_form is not None and add_form.errors else 200,
    )


@login_required
def organisation_create(request):
    if not can(request.user, "accounts.add_organisation"):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{organisation.name} has been registered.")
            return redirect("accounts:organisation-detail", slug=organisation.slug)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "title": "Register an organisation"},
        status=400 if form.errors else 200,
    )


@login_required
def organisation_edit(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can(request.user, "accounts.change_organisation", organisation):
        raise PermissionDenied
    form = OrganisationForm(
        request.POST or None, instance=Organisation.objects.get(pk=organisation.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The organisation's details have been saved.")
            return redirect("accounts:organisation-detail", slug=organisation.slug)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "title": f"Change {organisation.name}", "organisation": organisation},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_add(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    if not can(request.user, "accounts.manage_members", organisation):
        raise PermissionDenied
    form = MemberAddForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            membership = services.membership_add(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"{membership.user} is now {membership.get_role_display().lower()}."
            )
            return redirect("accounts:organisation-detail", slug=slug)
    return organisation_detail(request, slug, add_form=form)


@login_required
@require_POST
def member_change(request, slug: str, membership_id: int):
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "user"),
        pk=membership_id,
        organisation__slug=slug,
    )
    if not can(request.user, "accounts.manage_members", membership.organisation):
        raise PermissionDenied
    if request.POST.get("action") == "remove":
        if request.POST.get("confirm") != "yes":
            return render(
                request, "accounts/member_remove_confirm.html", {"membership": membership}
            )
        try:
            services.membership_remove(actor=request.user, membership=membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{membership.user} has been removed.")
        return redirect("accounts:organisation-detail", slug=slug)
    form = MemberRoleForm(request.POST, organisation=membership.organisation)
    if not form.is_valid():
        messages.error(request, "Select a role.")
        return redirect("accounts:organisation-detail", slug=slug)
    try:
        services.membership_change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user}'s role has been changed.")
    return redirect("accounts:organisation-detail", slug=slug)


@login_required
def profile(request):
    form = ProfileForm(
        request.POST or None,
        initial={
            "name": request.user.name,
            "email_notifications": request.user.email_notifications,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                email_notifications=form.cleaned_data["email_notifications"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your details have been saved.")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": selectors.user_memberships(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_secret = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": selectors.user_api_tokens(request.user),
            "new_secret": new_secret,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"The token '{token.name}' has been revoked. It no longer works.")
    return redirect("accounts:tokens")
