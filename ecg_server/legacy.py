"""Shared plumbing of the legacy wire API (`/api/<verb>`).

Each legacy view parses its input with a serializer, calls one service or selector and renders the
contract's exact body. Domain errors become the contract's strings through `LEGACY_ERRORS`, the one
table that knows the wire's wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import QueryDict
from django.urls import URLPattern, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.fields import CharField
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts.authentication import InvalidSession, SessionTokenAuthentication
from audit.models import AuditEvent
from audit.services import audit_record
from ecg_server.errors import AuthenticationRequired, DomainError, TooManyAttempts
from ecg_server.exceptions import domain_error_response

REQUIRED_MESSAGE = "This field is required."


def _detail(exc: DomainError) -> Response:
    """`{"detail": ...}` with the error's own status (413, 503, ...), like DRF's errors."""
    return Response({"detail": exc.message}, status=exc.status)


def _too_many_attempts(exc: TooManyAttempts) -> Response:
    return Response(
        {"detail": exc.message},
        status=429,
        headers={"Retry-After": str(exc.retry_after_seconds)},
    )


# Domain error code -> (status, body) on the legacy wire. A body may be a callable that builds
# the response itself. Views may override single entries (`legacy_error_overrides`).
LEGACY_ERRORS: dict[str, tuple[int, Any] | Callable[[DomainError], Response]] = {
    "permission_denied": (401, "UNAUTHORIZED"),
    "too_many_attempts": _too_many_attempts,
    # accounts
    "invalid_credentials": (400, "Login Failed. Check username/password."),
    "otp_invalid": (406, "INVALID OTP"),
    "new_password_missing": (406, "Please enter both new_password and new_password_confirm."),
    "password_confirmation_mismatch": (406, "Password and Confirm Password not same"),
    # devices and patients
    "device_not_found": (400, "DEVICE DOES NOT EXIST"),
    "patient_not_found": (400, "PATIENT DOES NOT EXIST"),
    # recordings
    "recording_not_found": (400, "FILE DOES NOT EXIST"),
    "recording_file_missing": (400, "FILE DOES NOT EXIST"),
    "recording_exists": (400, "FILE ALREADY EXISTS"),
    "recording_owned_by_other": (400, "CANNOT OVERWRITE FILE UPLOADED BY ANOTHER USER"),
    "recording_target_invalid": (400, "DEVICE/PATIENT INFO INVALID"),
    "recording_too_large": _detail,
    "storage_unavailable": _detail,
    "upload_truncated": _detail,
}


class LegacyValidationFailed(Exception):
    """Validation errors, rendered with the view's own validation status (400 or 406)."""

    def __init__(self, errors: Any):
        self.errors = errors


def legacy_path(verb: str, view: type[APIView]) -> URLPattern:
    """`/api/<verb>` with or without a trailing slash, so no redirect ever drops a POST body."""
    return re_path(rf"^{verb}/?$", view.as_view(), name=f"legacy-{verb}")


def legacy_payload(request) -> Any:
    """The request's fields: the body (JSON or form) over the query string.

    Clients that cannot send a body with GET put the fields in the query string instead.
    """
    body = request.data
    if not isinstance(body, Mapping):
        return body  # a JSON list or scalar: the serializer reports it
    payload: dict[str, Any] = request.query_params.dict()
    payload.update(body.dict() if isinstance(body, QueryDict) else body)
    return payload


class LegacyView(APIView):
    """Base of every `/api/<verb>` view."""

    authentication_classes = [SessionTokenAuthentication]
    permission_classes: list = []
    # The body answered with 401 when the session is unknown, revoked or expired.
    invalid_session_body: Any = "INVALID SESSION"
    # A request with no session anywhere is a validation error, reported beside other fields.
    session_required = True
    validation_status = 400
    legacy_error_overrides: dict[str, tuple[int, Any]] = {}

    def validated(
        self, serializer_class: type[Serializer], *, overrides: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Validate the request's fields, or raise with every problem at once.

        `overrides` are fields that come from elsewhere (the URL path) and win over the body.
        """
        payload = legacy_payload(self.request)
        if overrides and isinstance(payload, dict):
            payload.update(overrides)
        serializer = serializer_class(data=payload, context={"request": self.request})
        errors: dict[str, Any] = {}
        if self.session_required and self.request.auth is None:
            errors["session_id"] = [REQUIRED_MESSAGE]
        if not serializer.is_valid():
            errors.update(serializer.errors)
        if errors:
            raise LegacyValidationFailed(errors)
        data = dict(serializer.validated_data)
        data.pop("session_id", None)
        return data

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InvalidSession):
            return Response(self.invalid_session_body, status=401)
        if isinstance(exc, LegacyValidationFailed):
            return Response(exc.errors, status=self.validation_status)
        if isinstance(exc, AuthenticationRequired):
            return Response(self.invalid_session_body, status=401)
        if isinstance(exc, DomainError):
            return self.domain_error_response(exc)
        if isinstance(exc, AuthenticationFailed):
            return Response(self.invalid_session_body, status=401)
        return super().handle_exception(exc)

    # Refusals worth an audit line: someone reached for an object that is not theirs.
    AUDITED_REFUSALS = ("permission_denied", "recording_owned_by_other")

    def domain_error_response(self, exc: DomainError) -> Response:
        if exc.code in self.AUDITED_REFUSALS:
            audit_record(
                action="access.denied",
                outcome=AuditEvent.DENIED,
                detail={"endpoint": self.request.path, "reason": exc.code},
            )
        entry = self.legacy_error_overrides.get(exc.code) or LEGACY_ERRORS.get(exc.code)
        if callable(entry):
            return entry(exc)
        if entry is not None:
            status, body = entry
            return Response(body, status=status)
        if exc.fields:
            return Response(exc.fields, status=self.validation_status)
        return domain_error_response(exc)


# --- OpenAPI description helpers --------------------------------------------------------------


def wire_string(description: str, *examples: str) -> OpenApiResponse:
    """A response whose body is a JSON string, e.g. `"SUCCESS"`."""
    return OpenApiResponse(
        response=OpenApiTypes.STR,
        description=description,
        examples=[OpenApiExample(value, value=value) for value in examples],
    )


def wire_string_or_errors(description: str, *examples: str) -> OpenApiResponse:
    """A refusal: a contract string, DRF's validation dict, or `{"detail": ...}` (bad body)."""
    return OpenApiResponse(
        response={"anyOf": [{"type": "string"}, VALIDATION_ERRORS_SCHEMA, DETAIL_SCHEMA]},
        description=description,
        examples=[OpenApiExample(value, value=value) for value in examples],
    )


def wire_errors(
    description: str = "Validation errors `{field: [messages]}`, or `{detail}` for a bad body.",
) -> OpenApiResponse:
    return OpenApiResponse(
        response={"anyOf": [VALIDATION_ERRORS_SCHEMA, DETAIL_SCHEMA]}, description=description
    )


VALIDATION_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}}}
TOO_MANY_ATTEMPTS = OpenApiResponse(response=DETAIL_SCHEMA, description="Too many attempts.")


class SessionSerializer(Serializer):
    """Fields common to every request that needs a session."""

    session_id = CharField(
        required=False,
        help_text="The session id from login; may come in a header or the query string instead.",
    )
