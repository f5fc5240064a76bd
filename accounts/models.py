from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person or a device account. Every account has a phone number field (possibly empty)."""

    phone_number = models.CharField(max_length=32, blank=True, default="")


class Session(models.Model):
    """An API session (the legacy `session_id`). Only a SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_sessions")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="End of the absolute lifetime.")
    user_agent = models.CharField(max_length=255, blank=True, default="")
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="session_expires_at_idx")]

    def __str__(self) -> str:
        return f"Session {self.pk} of {self.user_id}"

    def is_expired(self, *, now: datetime, idle_timeout: timedelta) -> bool:
        return now >= self.expires_at or now >= self.last_used_at + idle_timeout


class PasswordResetCode(models.Model):
    """The one outstanding forgot_password OTP of a user, stored as a keyed hash."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="password_reset_code")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Password reset code of {self.user_id}"


class AttemptCounter(models.Model):
    """Failed or rate-limited attempts in a fixed window, shared by every worker process."""

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
