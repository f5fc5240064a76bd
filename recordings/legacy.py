"""The legacy recording endpoints: post_data (multipart upload) and get_data (download)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ecg_server.legacy import (
    DETAIL_SCHEMA,
    LegacyView,
    SessionSerializer,
    wire_string,
    wire_string_or_errors,
)
from recordings.downloads import recording_file_response
from recordings.errors import RecordingTooLarge
from recordings.selectors import recording_get_for_user
from recordings.services import ExpectedDigests, recording_download_record, recording_store
from recordings.times import TimeFormatError, parse_legacy_time, resolve_recording_times
from recordings.uploads import RecordingUploadHandler

# Room for the multipart framing and the small fields around the file.
MULTIPART_ALLOWANCE = 64 * 1024


@extend_schema_field(
    {
        "type": "string",
        "description": "HH:MM:SS[.ffffff] (UTC, on the upload day), epoch seconds, or ISO 8601.",
        "example": "2026-12-01T10:00:00Z",
    }
)
class LegacyTimeField(serializers.Field):
    default_error_messages = {
        "invalid": "Use HH:MM:SS[.ffffff], epoch seconds, or an ISO 8601 date-time.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str | int | float) or isinstance(data, bool):
            self.fail("invalid")
        try:
            return parse_legacy_time(str(data))
        except TimeFormatError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.isoformat()


# Upload fields shared with the clinician API's raw upload (recordings/api.py).
def sampling_rate_field() -> serializers.FloatField:
    return serializers.FloatField(
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="Samples per second, for files that do not say (CSV, raw samples).",
    )


def sample_format_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=["int16", "float32"],
        required=False,
        help_text="For raw binary files: little-endian int16 (microvolts) or float32 (mV), "
        "channels interleaved; the lead count is the device's Num_of_Leads.",
    )


def sha256_field() -> serializers.RegexField:
    return serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        help_text="Optional SHA-256 of the file, hex; a mismatch is refused and nothing is stored.",
    )


class PostDataSerializer(SessionSerializer):
    data_id = serializers.CharField(max_length=128)
    device_sl_no = serializers.CharField(max_length=64, source="device_serial_number")
    patient_no = serializers.CharField(max_length=64, source="patient_number")
    File = serializers.FileField(source="upload", allow_empty_file=False, use_url=False)
    Start_Time = LegacyTimeField(source="start_time")
    End_Time = LegacyTimeField(source="end_time")
    overwrite = serializers.BooleanField(required=False, default=False)
    sampling_rate = sampling_rate_field()
    sample_format = sample_format_field()
    sha256 = sha256_field()

    def validate(self, attrs: dict) -> dict:
        start, end = resolve_recording_times(
            attrs["start_time"], attrs["end_time"], upload_day=datetime.now(tz=UTC).date()
        )
        if end < start:
            raise serializers.ValidationError({"End_Time": ["End_Time is before Start_Time."]})
        attrs["start_time"], attrs["end_time"] = start, end
        return attrs


class PostDataView(LegacyView):
    invalid_session_body = "UNAUTHORIZED"
    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Must be in place before anything reads the body (the session may be in the form).
        self.upload_handler = RecordingUploadHandler(
            request, max_bytes=settings.RECORDING_MAX_BYTES
        )
        request.upload_handlers = [self.upload_handler]
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # Refuse an oversized body from its Content-Length, before reading any of it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.RECORDING_MAX_BYTES + MULTIPART_ALLOWANCE:
            raise RecordingTooLarge(settings.RECORDING_MAX_BYTES)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        # Whatever happened, no temporary upload outlives the request (a stored one was moved).
        self.upload_handler.cleanup()
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Upload a recording (multipart/form-data)",
        request={"multipart/form-data": PostDataSerializer},
        responses={
            200: wire_string("Stored.", "SUCCESS", "SUCCESS (file Overwritten)"),
            400: wire_string_or_errors(
                "A contract string, or `{errors}`.",
                "FILE ALREADY EXISTS",
                "CANNOT OVERWRITE FILE UPLOADED BY ANOTHER USER",
                "DEVICE/PATIENT INFO INVALID",
            ),
            401: wire_string("Invalid session.", "UNAUTHORIZED"),
            413: OpenApiResponse(DETAIL_SCHEMA, description="The file is over the size limit."),
            503: OpenApiResponse(DETAIL_SCHEMA, description="Storage is full or read-only."),
        },
    )
    def post(self, request):
        data = self.validated(PostDataSerializer)
        _, overwritten = recording_store(
            uploader=request.user,
            data_id=data["data_id"],
            device_serial_number=data["device_serial_number"],
            patient_number=data["patient_number"],
            upload=data["upload"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            overwrite=data["overwrite"],
            expected=ExpectedDigests(
                sha256_hex=data.get("sha256"),
                digest_header=request.META.get("HTTP_DIGEST"),
                content_md5=request.META.get("HTTP_CONTENT_MD5"),
            ),
            sampling_rate_hint=data.get("sampling_rate"),
            sample_format_hint=data.get("sample_format", ""),
        )
        return Response("SUCCESS (file Overwritten)" if overwritten else "SUCCESS")


class DataIdSerializer(SessionSerializer):
    data_id = serializers.CharField(max_length=128)


FILE_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file."
    ),
    (206, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="A byte range."
    ),
    304: OpenApiResponse(description="Not modified (If-None-Match)."),
    400: wire_string_or_errors(
        "No such recording, its file is gone, or `{errors}`.", "FILE DOES NOT EXIST"
    ),
    401: wire_string(
        "Invalid session, or not allowed to read it.", "INVALID TOKEN", "UNAUTHORIZED"
    ),
    416: OpenApiResponse(DETAIL_SCHEMA, description="Range not satisfiable."),
}


class GetDataView(LegacyView):
    """Download a recording: GET with a JSON body or a query string, or POST."""

    invalid_session_body = "INVALID TOKEN"

    @extend_schema(
        summary="Download a recording (GET with a JSON body, or query string)",
        request=DataIdSerializer,
        responses=FILE_RESPONSES,
    )
    def get(self, request, data_id: str | None = None):
        overrides = {"data_id": data_id} if data_id is not None else {}
        data = self.validated(DataIdSerializer, overrides=overrides)
        recording = recording_get_for_user(user=request.user, data_id=data["data_id"])
        response = recording_file_response(recording=recording, request=request)
        if response.status_code in (200, 206) and request.method == "GET":
            recording_download_record(
                recording=recording, byte_range=request.META.get("HTTP_RANGE")
            )
        return response

    @extend_schema(
        summary="Download a recording (POST form)",
        request=DataIdSerializer,
        responses=FILE_RESPONSES,
    )
    def post(self, request, data_id: str | None = None):
        return self.get(request, data_id)


class GetDataByPathView(GetDataView):
    @extend_schema(
        summary="Download a recording by path; the session in an Authorization header",
        operation_id="get_data_by_path",
        parameters=[OpenApiParameter("data_id", str, OpenApiParameter.PATH)],
        request=None,
        responses=FILE_RESPONSES,
    )
    def get(self, request, data_id: str | None = None):
        return super().get(request, data_id)

    @extend_schema(exclude=True)
    def post(self, request, data_id: str | None = None):
        return super().post(request, data_id)
