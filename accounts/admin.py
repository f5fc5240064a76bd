from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from accounts.models import AttemptCounter, Session, User


class SessionInline(admin.TabularInline):
    """A user's API sessions; deleting one revokes it."""

    model = Session
    extra = 0
    can_delete = True
    fields = ("created_at", "last_used_at", "expires_at", "client_address", "user_agent")
    readonly_fields = fields
    verbose_name = "API session"
    verbose_name_plural = "API sessions (delete to revoke)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "phone_number",
        "is_staff",
        "is_active",
    )
    search_fields = ("username", "email", "first_name", "last_name", "phone_number")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ("first_name", "last_name", "email", "phone_number")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "phone_number", "password1", "password2"),
            },
        ),
    )
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "client_address",
        "user_agent",
    )
    list_filter = ("created_at", "last_used_at")
    search_fields = ("user__username", "client_address", "user_agent")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "client_address",
        "user_agent",
    )
    exclude = ("token_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # sessions are opened by logging in

    @admin.action(description="Revoke the selected sessions")
    def revoke(self, request, queryset) -> None:
        count, _ = queryset.delete()
        self.message_user(request, f"Revoked {count} session(s).")


@admin.register(AttemptCounter)
class AttemptCounterAdmin(admin.ModelAdmin):
    """Throttling counters; deleting one lifts a lock-out early."""

    list_display = ("key", "count", "window_ends_at", "is_live")
    readonly_fields = ("key", "count", "window_ends_at")
    search_fields = ("key",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True)
    def is_live(self, obj: AttemptCounter) -> bool:
        return obj.window_ends_at > timezone.now()
