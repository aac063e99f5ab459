"""Site admins keep the taxonomy of areas here. Needs, ideas and their answers change only
through the pages and the API, so every change is checked and audited."""

from django.contrib import admin

from openbuy.needs.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: needs keep their area
