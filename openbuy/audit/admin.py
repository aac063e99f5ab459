from django.contrib import admin

from openbuy.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is changed by nobody, admins included."""

    list_display = ["id", "occurred_at", "actor_label", "action", "summary", "is_public"]
    list_filter = ["action", "is_public"]
    search_fields = ["summary", "actor_label", "object_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
