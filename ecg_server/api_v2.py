"""Shared plumbing of the clinician API (`/api/v2/`).

Every v2 view derives from `ApiV2View`: the session token comes from `Authorization: Bearer`
only, bodies are JSON, and every refusal has one shape, `{"code", "message", "fields"}`, whose
`code` is stable (the codes are listed in `ERROR_CODES`). Lists are cursor-paginated on a
deterministic ordering, so no page ever counts the table.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django_filters.fields import IsoDateTimeField
from django_filters.filters import IsoDateTimeFilter, TypedChoiceFilter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts.authentication import BearerSessionAuthentication
from audit.models import AuditEvent
from audit.services import audit_record
from ecg_server.errors import DomainError, PermissionDenied
from ecg_server.exceptions import domain_error_response, unexpected_failure, v2_error_body
from ecg_server.parsers import JSONParser

# DRF's exceptions -> the v2 code. Domain errors keep their own code (`DomainError.code`).
DRF_ERROR_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}

# Every code a v2 client may see: code -> (status, meaning). Documented in the schema, and
# tested to stay in step with the errors the code raises.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "validation_error": (400, "A field is missing or invalid; `fields` says which and why."),
    "parse_error": (400, "The body is not well-formed JSON."),
    "malformed_request": (400, "The request could not be read."),
    "invalid_credentials": (400, "Wrong username or password, or an inactive account."),
    "username_taken": (400, "Another user has this username."),
    "patient_number_taken": (400, "A patient with this number already exists."),
    "recording_target_invalid": (400, "The device or patient is unknown or not the caller's."),
    "checksum_mismatch": (400, "The body does not match its Digest / sha256; nothing was stored."),
    "upload_truncated": (400, "The body ended before its Content-Length; nothing was stored."),
    "not_authenticated": (401, "No `Authorization: Bearer` session, or it is invalid or expired."),
    "permission_denied": (403, "The caller may not do this."),
    "recording_owned_by_other": (403, "Only the uploader may overwrite a recording."),
    "not_found": (404, "No such endpoint."),
    "device_not_found": (404, "No such device, or not one of the caller's."),
    "patient_not_found": (404, "No such patient, or not one of the caller's."),
    "recording_not_found": (404, "No such recording, or not one the caller may read."),
    "recording_file_missing": (404, "The recording's stored file is missing."),
    "method_not_allowed": (405, "The endpoint does not support this method."),
    "recording_exists": (409, "A recording with this data_id already exists."),
    "analysis_pending": (409, "The recording has not been analysed yet; try again shortly."),
    "length_required": (411, "An upload needs a Content-Length."),
    "precondition_failed": (412, "If-Match / If-None-Match did not hold; nothing was changed."),
    "recording_too_large": (413, "The recording is larger than RECORDING_MAX_BYTES."),
    "payload_too_large": (413, "The JSON body is too large."),
    "unsupported_media_type": (415, "The body must be JSON."),
    "range_not_satisfiable": (416, "No byte of the file is in the requested Range."),
    "recording_unreadable": (422, "The recording could not be read as an ECG."),
    "precondition_required": (428, "Overwriting a recording needs If-Match (or If-None-Match: *)."),
    "too_many_attempts": (
        429,
        "Too many failed logins or device claims; retry after Retry-After seconds.",
    ),
    "server_error": (500, "An unexpected error, logged on the server."),
    "storage_unavailable": (503, "Recording storage is full or read-only; nothing was stored."),
    "service_unavailable": (503, "The database is unavailable; retry after Retry-After seconds."),
}


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's validation detail as `{"field": ["message", ...]}`; nested names are dotted."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten_fields(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    name = prefix or "non_field_errors"
    if isinstance(detail, list):
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list):  # one of several nested objects
                flat.update(_flatten_fields(item, f"{name}.{index}"))
            else:
                flat.setdefault(name, []).append(str(item))
        return flat
    return {name: [str(detail)]}


def _v2_response(
    code: str, message: str, status: int, fields=None, headers: dict | None = None
) -> Response:
    return Response(v2_error_body(code, message, fields), status=status, headers=headers)


def api_v2_exception_handler(exc: Exception, context: dict) -> Response:
    """Every failure of a v2 view as `{"code", "message", "fields"}`; never HTML, never a trace."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc)
    failure = unexpected_failure(exc, context)
    return _v2_response(failure.code, failure.message, failure.status, headers=failure.headers)


def _api_exception_response(exc: exceptions.APIException) -> Response:
    code = next(
        (code for cls, code in DRF_ERROR_CODES.items() if isinstance(exc, cls)),
        str(exc.default_code),
    )
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        return _v2_response(
            code, "Some fields are invalid.", exc.status_code, _flatten_fields(exc.detail), headers
        )
    return _v2_response(code, str(exc.detail), exc.status_code, headers=headers)


class LenientContentNegotiation(DefaultContentNegotiation):
    """Answer in the view's own format whatever Accept says, rather than refusing with 406.

    Binary endpoints (file, plot.png) build their own response; a client that asks for
    `image/png` must not be turned away by the JSON renderer's negotiation.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


class ApiV2View(GenericAPIView):
    """Base of every `/api/v2/` view."""

    authentication_classes = [BearerSessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = LenientContentNegotiation
    filter_backends: list = []
    pagination_class = None
    # OPTIONS answers 405: the OpenAPI schema is the one description of each endpoint.
    metadata_class = None

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method != "OPTIONS"]

    def get_exception_handler(self):
        return api_v2_exception_handler


@contextmanager
def hidden_unless_visible(request, not_found: type[DomainError]) -> Iterator[None]:
    """Turn "it exists but is not yours" from a selector into `not_found`, auditing the attempt.

    The legacy contract tells the two apart; the clinician API never reveals that someone
    else's object exists.
    """
    try:
        yield
    except PermissionDenied:
        audit_record(
            action="access.denied",
            outcome=AuditEvent.DENIED,
            detail={"endpoint": request.path, "reason": "permission_denied"},
        )
        raise not_found() from None


# --- Lists: ordering and cursor pagination ----------------------------------------------------


class StableOrderingFilter(OrderingFilter):
    """`?ordering=field` or `-field`, always followed by the primary key as a tie-breaker."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])[:1]
        if not ordering:
            return ordering
        direction = "-" if ordering[0].startswith("-") else ""
        return [ordering[0], f"{direction}id"]


INVALID_CURSOR = "Invalid cursor."
# Times a client may ask about: what every supported database stores.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9999


@dataclass(frozen=True)
class KeysetCursor:
    """A position between two rows: their (ordering field, id), and which way to read."""

    value: Any
    row_id: int
    backwards: bool


class V2CursorPagination(CursorPagination):
    """Keyset pages on (ordering field, id): `{"next", "previous", "results"}`, never a COUNT.

    DRF's own cursor keeps the first ordering field and an offset for ties, which skips rows
    when a client turns back across a run of equal values; a cursor on the pair (field value,
    id) is exact in both directions, and reads an index range from where the page starts
    however deep it is. The ordering comes from the view's `StableOrderingFilter`. A tampered
    cursor is a 400 on `cursor`, never a database error.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        ordering = self.get_ordering(request, queryset, view)
        self.field_name = ordering[0].lstrip("-")
        self.descending = ordering[0].startswith("-")
        field = queryset.model._meta.get_field(self.field_name)
        cursor = self._decode(request, field)
        if cursor is not None:
            queryset = queryset.filter(self._beyond(cursor))
        backwards = cursor is not None and cursor.backwards
        order = [
            f"{'-' if self.descending != backwards else ''}{name}"
            for name in (self.field_name, "id")
        ]
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
        self.has_next = (cursor is not None) if backwards else more
        self.has_previous = more if backwards else cursor is not None
        return self.page

    def _beyond(self, cursor: KeysetCursor) -> Q:
        """Rows after the cursor in reading order (before it, when reading backwards)."""
        forwards = self.descending == cursor.backwards  # ascending in the database
        strictly, inclusive = ("gt", "gte") if forwards else ("lt", "lte")
        name = self.field_name
        return Q(**{f"{name}__{inclusive}": cursor.value}) & (
            Q(**{f"{name}__{strictly}": cursor.value})
            | Q(**{name: cursor.value, f"id__{strictly}": cursor.row_id})
        )

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self._link(self.page[-1], backwards=False)

    def get_previous_link(self):
        if not self.has_previous or not self.page:
            return None
        return self._link(self.page[0], backwards=True)

    def _link(self, row, *, backwards: bool) -> str:
        value = getattr(row, self.field_name)
        tokens = {"p": value.isoformat() if isinstance(value, datetime) else str(value)}
        tokens["i"] = str(row.pk)
        if backwards:
            tokens["r"] = "1"
        encoded = b64encode(urlencode(tokens).encode()).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _decode(self, request, field) -> KeysetCursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode())
            value = field.to_python(tokens["p"][0])
            row_id = int(tokens["i"][0])
            backwards = tokens.get("r", ["0"])[0] == "1"
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    raise ValueError("a cursor's time is always in UTC")
                value = value.astimezone(UTC)  # what the database compares; may overflow
        except (ValueError, KeyError, OverflowError, DjangoValidationError):
            raise exceptions.ValidationError({"cursor": [INVALID_CURSOR]}) from None
        if value is None:
            raise exceptions.ValidationError({"cursor": [INVALID_CURSOR]})
        return KeysetCursor(value=value, row_id=row_id, backwards=backwards)


# --- Filters ----------------------------------------------------------------------------------


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC, within the years every supported database stores."""

    default_error_messages = {
        "out_of_range": f"Use a date-time from the year {EARLIEST_YEAR} to {LATEST_YEAR} (UTC).",
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:59:59-10:00
            raise DjangoValidationError(self.error_messages["out_of_range"]) from None
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise DjangoValidationError(self.error_messages["out_of_range"])
        return moment


class UtcDateTimeFilter(IsoDateTimeFilter):
    field_class = UtcDateTimeField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(TypedChoiceFilter):
    """`true` or `false`, and anything else is a 400 (not silently ignored)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(*args, coerce=lambda value: value == "true", **kwargs)


# --- OpenAPI description helpers --------------------------------------------------------------


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code.")
    message = serializers.CharField(help_text="For people; may change.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name -> messages, for validation errors; otherwise empty.",
    )


def error_responses(*codes: str) -> dict[int, OpenApiResponse]:
    """The documented error responses of an endpoint: one per status, an example per code."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(ERROR_CODES[code][0], []).append(code)
    return {
        status: OpenApiResponse(
            ApiErrorSerializer,
            description="; ".join(f"`{code}`: {ERROR_CODES[code][1]}" for code in status_codes),
            examples=[
                OpenApiExample(
                    code,
                    value=v2_error_body(
                        code,
                        ERROR_CODES[code][1],
                        {"name": ["This field is required."]} if code == "validation_error" else {},
                    ),
                    response_only=True,
                    status_codes=[str(status)],
                )
                for code in status_codes
            ],
        )
        for status, status_codes in by_status.items()
    }
