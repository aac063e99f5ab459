from django.contrib import admin

from openbuy.accounts.models import ApiToken, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "site_role", "is_active", "date_joined"]
    list_filter = ["site_role", "is_active"]
    search_fields = ["email", "name"]
    fields = ["email", "name", "site_role", "is_active", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "size", "is_social_enterprise"]
    list_filter = ["kind", "size", "is_social_enterprise"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
