"""Django's admin, for site admins. Writes go through the same services as the pages, so they
are checked and audited; organisations and memberships are managed on the pages themselves."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from openbuy.accounts import services
from openbuy.accounts.models import ApiToken, Membership, Organisation, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "site_role", "is_active", "date_joined"]
    list_filter = ["site_role", "is_active"]
    search_fields = ["email", "name"]
    fields = ["email", "name", "site_role", "is_active", "date_joined", "last_login"]
    readonly_fields = ["email", "name", "date_joined", "last_login"]

    def has_add_permission(self, request):
        return False  # people sign up themselves, verifying their email address

    def has_delete_permission(self, request, obj=None):
        return False  # suspend instead: the audit log keeps naming the account

    def save_model(self, request, obj, form, change):
        try:
            services.user_set_site_role(
                actor=request.user,
                user=User.objects.get(pk=obj.pk),
                site_role=form.cleaned_data["site_role"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "size", "is_social_enterprise"]
    list_filter = ["kind", "size", "is_social_enterprise"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
