"""JSON error handling for everything under /api/: no HTML page and no stack trace ever leaves."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse, UnreadablePostError
from django.http.multipartparser import InputStreamExhausted
from django.views import defaults
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ecg_server.errors import DomainError, TooManyAttempts

logger = logging.getLogger("ecg_server.api")


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's handler, extended so that no exception escapes as an HTML 500."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    failure = unexpected_failure(exc, context)
    return Response({"detail": failure.message}, status=failure.status, headers=failure.headers)


@dataclass(frozen=True)
class UnexpectedFailure:
    status: int
    code: str  # the clinician API's stable code
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def unexpected_failure(exc: Exception, context: dict) -> UnexpectedFailure:
    """What an exception that is neither DRF's nor a domain error means for the client.

    Logs what an operator needs to see; each API renders the result in its own shape.
    """
    if isinstance(exc, RequestDataTooBig):
        return UnexpectedFailure(413, "payload_too_large", "Request body is too large.")
    if isinstance(exc, SuspiciousOperation | UnreadablePostError | InputStreamExhausted):
        logger.warning("Refused a malformed request: %s", exc)
        return UnexpectedFailure(400, "malformed_request", "Malformed request.")
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", exc)
        return UnexpectedFailure(
            503,
            "service_unavailable",
            "Service temporarily unavailable. Try again shortly.",
            {"Retry-After": "5"},
        )
    view = context.get("view")
    logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
    return UnexpectedFailure(500, "server_error", "Internal server error.")


def domain_error_response(exc: DomainError) -> Response:
    headers = {}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    body = {"code": exc.code, "message": exc.message, "fields": exc.fields}
    return Response(body, status=exc.status, headers=headers)


def v2_error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The clinician API's one error shape (see `ecg_server.api_v2`)."""
    return {"code": code, "message": message, "fields": fields or {}}


# Django-level handlers, for errors raised outside DRF views (middleware, URL resolution). Paths
# under /api/ always get JSON, in the clinician API's shape under /api/v2; the admin keeps
# Django's own pages.


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _is_v2(request) -> bool:
    return request.path == "/api/v2" or request.path.startswith("/api/v2/")


def _json(body: dict, status: int) -> JsonResponse:
    # Compact, like DRF's renderer, so every error body has the same bytes.
    return JsonResponse(body, status=status, json_dumps_params={"separators": (",", ":")})


def _json_error(request, status: int, legacy_detail: str, code: str, message: str):
    if _is_v2(request):
        return _json(v2_error_body(code, message), status)
    return _json({"detail": legacy_detail}, status)


def json_bad_request(request, exception=None):
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    return _json_error(
        request, 400, "Malformed request.", "malformed_request", "The request could not be read."
    )


def json_permission_denied(request, exception=None):
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return _json_error(
        request,
        403,
        "You do not have permission to perform this action.",
        "permission_denied",
        "You do not have permission to do this.",
    )


def json_not_found(request, exception=None):
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json_error(request, 404, "Not found.", "not_found", "No such endpoint.")


def json_server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    return _json_error(
        request, 500, "Internal server error.", "server_error", "Internal server error."
    )
