from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited or deleted, here or anywhere."""

    list_display = (
        "occurred_at",
        "action",
        "outcome",
        "actor_username",
        "object_type",
        "object_id",
        "client_address",
    )
    list_filter = ("action", "outcome", "object_type", "occurred_at")
    search_fields = ("actor_username", "object_id", "client_address", "action")
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
