from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """The audit log is never edited or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which object, when, from where, and how it ended. Append-only."""

    SUCCESS, FAILURE, DENIED = "success", "failure", "denied"
    OUTCOMES = [(SUCCESS, "success"), (FAILURE, "failure"), (DENIED, "denied")]

    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    action = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=OUTCOMES, default=SUCCESS)
    # The actor's name is kept as text too: the account may be renamed or deleted later.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, default="")
    session_id = models.BigIntegerField(null=True, blank=True, help_text="API session (row id)")
    object_type = models.CharField(max_length=40, blank=True, default="")
    object_id = models.CharField(max_length=150, blank=True, default="")
    client_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_occurred_at_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
