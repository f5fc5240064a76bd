"""The domain-error taxonomy shared by every app.

Services raise these; they never build HTTP responses. Each API surface renders them its own way:
the legacy API through the table in `ecg_server.legacy`, any newer API as
`{"code", "message", "fields"}` with the error's own status.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the caller can act on, with a stable machine-readable code."""

    code: str = "error"
    status: int = 400
    message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.message
        # Field-level problems, in DRF's `{"field": ["message", ...]}` shape.
        self.fields = fields or {}
        super().__init__(self.message)


class AuthenticationRequired(DomainError):
    """The action needs a signed-in caller; each API answers with its own invalid-session body."""

    code = "authentication_required"
    status = 401
    message = "A valid session is required."


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    message = "You do not have permission to do this."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429
    message = "Too many attempts."

    def __init__(self, retry_after_seconds: int):
        self.retry_after_seconds = max(1, int(retry_after_seconds))
        super().__init__(f"Too many attempts. Try again in {self.retry_after_seconds} seconds.")
