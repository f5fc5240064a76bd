"""The clinician API's recordings: list, metadata, preview, plots, download and raw upload."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from ecg import UnreadableRecording
from ecg_server.api_v2 import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ApiV2View,
    StableOrderingFilter,
    StrictBooleanFilter,
    UtcDateTimeFilter,
    V2CursorPagination,
    error_responses,
    hidden_unless_visible,
)
from ecg_server.exceptions import v2_error_body
from recordings.downloads import recording_etag, recording_file_response
from recordings.errors import (
    RecordingExists,
    RecordingFileMissing,
    RecordingNotFound,
    RecordingOwnedByOther,
    RecordingTooLarge,
    RecordingUnreadable,
    RecordingVersionMismatch,
    UploadLengthRequired,
)
from recordings.insight import recording_analysis_require_done, recording_plot, recording_preview
from recordings.legacy import sample_format_field, sampling_rate_field, sha256_field
from recordings.models import Recording, RecordingAnalysis
from recordings.selectors import recording_get_for_user, recordings_visible_to
from recordings.services import (
    ExpectedDigests,
    UploadConditions,
    recording_download_record,
    recording_store,
    recording_upload_precheck,
    sha256_from_digest_header,
)
from recordings.uploads import recording_receive_raw

logger = logging.getLogger(__name__)

TAG = "v2: recordings"
MAX_WINDOW_SECONDS = 7 * 24 * 3600
MAX_PREVIEW_POINTS = 10_000
DEFAULT_PREVIEW_POINTS = 1000


# --- Representation ---------------------------------------------------------------------------


class AnalysisSerializer(serializers.ModelSerializer):
    lead_names = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = RecordingAnalysis
        fields = [
            "state",
            "reason",
            "format",
            "sampling_rate",
            "lead_names",
            "sample_count",
            "duration_seconds",
            "units",
            "recorded_start",
            "beat_count",
            "mean_bpm",
            "min_bpm",
            "max_bpm",
            "algorithm",
            "algorithm_version",
            "updated_at",
        ]
        read_only_fields = fields


class RecordingSerializer(serializers.ModelSerializer):
    patient = serializers.CharField(source="patient.patient_number")
    device = serializers.CharField(
        source="device_serial_number", help_text="Kept when the device is deleted."
    )
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    etag = serializers.SerializerMethodField(help_text="Send as If-Match to replace this version.")
    analysis = AnalysisSerializer(allow_null=True, help_text="null until the upload is queued.")

    class Meta:
        model = Recording
        fields = [
            "data_id",
            "patient",
            "device",
            "uploaded_by",
            "start_time",
            "end_time",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "etag",
            "analysis",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_etag(self, recording: Recording) -> str:
        return recording_etag(recording)


RECORDING_EXAMPLE = OpenApiExample(
    "recording",
    value={
        "data_id": "ECG-0001-20261201-100000",
        "patient": "P-1042",
        "device": "ECG-0001",
        "uploaded_by": "dr.ada",
        "start_time": "2026-12-01T10:00:00Z",
        "end_time": "2026-12-01T10:00:10Z",
        "original_name": "rest.csv",
        "content_type": "text/csv",
        "size": 1048576,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "etag": '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
        "analysis": {
            "state": "done",
            "reason": "",
            "format": "csv",
            "sampling_rate": 500.0,
            "lead_names": ["I", "II", "III"],
            "sample_count": 5000,
            "duration_seconds": 10.0,
            "units": "mV",
            "recorded_start": None,
            "beat_count": 12,
            "mean_bpm": 72.0,
            "min_bpm": 68.5,
            "max_bpm": 75.1,
            "algorithm": "pan-tompkins-multilead",
            "algorithm_version": "1.0.0",
            "updated_at": "2026-12-01T10:00:12Z",
        },
        "created_at": "2026-12-01T10:00:11Z",
        "updated_at": "2026-12-01T10:00:11Z",
    },
    response_only=True,
)


def _recording_for(request, data_id: str) -> Recording:
    with hidden_unless_visible(request, RecordingNotFound):
        return recording_get_for_user(user=request.user, data_id=data_id)


def _analysed_duration(recording: Recording) -> float:
    return recording_analysis_require_done(recording=recording).duration_seconds or 0.0


def _check_start(start: float, duration: float) -> None:
    if start >= duration:
        raise ValidationError(
            {"start": [f"Past the end of the recording ({duration:g} seconds long)."]}
        )


# --- List -------------------------------------------------------------------------------------


class RecordingFilter(filters.FilterSet):
    patient = filters.CharFilter(field_name="patient__patient_number", help_text="Patient number.")
    # The serial the recording was uploaded with, kept when the device is deleted.
    device = filters.CharFilter(field_name="device_serial_number", help_text="Serial number.")
    start_after = UtcDateTimeFilter(
        field_name="start_time",
        lookup_expr="gte",
        help_text="Recordings that start at or after this ISO 8601 time (UTC unless stated).",
    )
    start_before = UtcDateTimeFilter(
        field_name="start_time",
        lookup_expr="lt",
        help_text="Recordings that start before this ISO 8601 time.",
    )
    has_analysis = StrictBooleanFilter(
        method="filter_has_analysis",
        help_text="true: only recordings whose analysis is done; false: only the others.",
    )

    class Meta:
        model = Recording
        fields = ["patient", "device", "start_after", "start_before", "has_analysis"]

    def filter_has_analysis(self, queryset, name, value):
        done = Q(analysis__state=RecordingAnalysis.DONE)
        return queryset.filter(done) if value else queryset.exclude(done)


class RecordingListView(ListModelMixin, ApiV2View):
    serializer_class = RecordingSerializer
    pagination_class = V2CursorPagination
    filter_backends = [filters.DjangoFilterBackend, StableOrderingFilter]
    filterset_class = RecordingFilter
    ordering_fields = ["start_time"]
    ordering = ["-start_time"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Recording.objects.none()
        return recordings_visible_to(user=self.request.user).select_related(
            "patient", "uploaded_by", "analysis"
        )

    @extend_schema(
        tags=[TAG],
        summary="Recordings the caller may read, newest first, a cursor page at a time",
        description=(
            "Filters combine. `ordering=start_time` lists oldest first. Follow `next` for the "
            "following page; pages never count the table, so there is no total."
        ),
        responses={
            200: RecordingSerializer(many=True),
            **error_responses("validation_error", "not_authenticated"),
        },
        examples=[RECORDING_EXAMPLE],
    )
    def get(self, request):
        return self.list(request)


# --- One recording: metadata and raw upload ---------------------------------------------------


class UploadParamsSerializer(serializers.Serializer):
    patient = serializers.CharField(max_length=64, help_text="Patient number.")
    device = serializers.CharField(max_length=64, help_text="Device serial number.")
    start_time = serializers.DateTimeField(help_text="ISO 8601, e.g. 2026-12-01T10:00:00Z.")
    end_time = serializers.DateTimeField()
    sha256 = sha256_field()
    sampling_rate = sampling_rate_field()
    sample_format = sample_format_field()
    filename = serializers.CharField(
        max_length=255, required=False, help_text="The original file name, kept as metadata."
    )

    def validate(self, attrs: dict) -> dict:
        for field in ("start_time", "end_time"):
            if not EARLIEST_YEAR <= attrs[field].year <= LATEST_YEAR:
                raise ValidationError(
                    {field: [f"Use a year from {EARLIEST_YEAR} to {LATEST_YEAR}."]}
                )
        if attrs["end_time"] < attrs["start_time"]:
            raise ValidationError({"end_time": ["end_time is before start_time."]})
        return attrs


class UploadDataIdSerializer(serializers.Serializer):
    data_id = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate_data_id(self, value: str) -> str:
        if value != value.strip():
            raise ValidationError("No leading or trailing spaces.")
        return value


def _declared_length(request) -> int:
    """The body's Content-Length, refused before a byte of the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        raise UploadLengthRequired() from None
    if length < 0:
        raise UploadLengthRequired()
    if length == 0:
        raise ValidationError({"body": ["The recording is empty."]})
    if length > settings.RECORDING_MAX_BYTES:
        raise RecordingTooLarge(settings.RECORDING_MAX_BYTES)
    return length


def _sha256_digest_header(request) -> str | None:
    """The `Repr-Digest` or `Digest` header naming a SHA-256, refused when malformed."""
    for header, name in (("HTTP_REPR_DIGEST", "Repr-Digest"), ("HTTP_DIGEST", "Digest")):
        value = request.META.get(header)
        try:
            if value and sha256_from_digest_header(value) is not None:
                return value
        except ValueError as exc:
            raise ValidationError({name: [str(exc)]}) from None
    return None


UPLOAD_HEADERS = [
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        description="Replace only the version with this ETag (or `*`: any existing version).",
    ),
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="`*`: create only; 412 when the recording already exists.",
    ),
    OpenApiParameter(
        "Digest",
        str,
        OpenApiParameter.HEADER,
        description="`sha-256=<base64>`; the body must match it (`Repr-Digest` works too).",
    ),
]


class RecordingDetailView(ApiV2View):
    @extend_schema(
        tags=[TAG],
        summary="A recording: metadata, integrity (size, SHA-256) and analysis summary",
        responses={
            200: RecordingSerializer,
            **error_responses("not_authenticated", "recording_not_found"),
        },
        examples=[RECORDING_EXAMPLE],
    )
    def get(self, request, data_id: str):
        return Response(RecordingSerializer(_recording_for(request, data_id)).data)

    @extend_schema(
        tags=[TAG],
        summary="Upload a recording as the raw request body (create, or replace with If-Match)",
        description=(
            "The body is the file itself, streamed to storage and hashed on the way; the "
            "metadata travels in the query string. Without If-Match an existing recording is "
            "never replaced (428); `If-None-Match: *` makes the request create-only (412). "
            "A refused or failed upload stores nothing and leaves the old version in place."
        ),
        parameters=[UploadParamsSerializer, *UPLOAD_HEADERS],
        request={
            "application/octet-stream": OpenApiTypes.BINARY,
            "text/csv": OpenApiTypes.BINARY,
        },
        responses={
            200: OpenApiResponse(RecordingSerializer, description="Replaced."),
            201: OpenApiResponse(RecordingSerializer, description="Created."),
            **error_responses(
                "validation_error",
                "recording_target_invalid",
                "checksum_mismatch",
                "upload_truncated",
                "not_authenticated",
                "recording_exists",
                "length_required",
                "precondition_failed",
                "recording_too_large",
                "precondition_required",
                "storage_unavailable",
            ),
        },
        examples=[RECORDING_EXAMPLE],
    )
    def put(self, request, data_id: str):
        # The body is never parsed: request.data is not touched, only request.stream is read.
        data_id_check = UploadDataIdSerializer(data={"data_id": data_id})
        data_id_check.is_valid(raise_exception=True)
        params = UploadParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        metadata = params.validated_data
        length = _declared_length(request)
        digest_header = _sha256_digest_header(request)
        plan = recording_upload_precheck(
            uploader=request.user,
            data_id=data_id,
            device_serial_number=metadata["device"],
            patient_number=metadata["patient"],
            conditions=UploadConditions.from_headers(
                request.META.get("HTTP_IF_MATCH"), request.META.get("HTTP_IF_NONE_MATCH")
            ),
        )

        upload = recording_receive_raw(
            request.stream,
            length=length,
            name=metadata.get("filename") or data_id,
            content_type=request.content_type or "application/octet-stream",
            want_md5=bool(request.META.get("HTTP_CONTENT_MD5")),
        )
        try:
            recording, replaced = recording_store(
                uploader=request.user,
                data_id=data_id,
                device_serial_number=metadata["device"],
                patient_number=metadata["patient"],
                upload=upload,
                start_time=metadata["start_time"],
                end_time=metadata["end_time"],
                overwrite=plan.overwrite,
                expected=ExpectedDigests(
                    sha256_hex=metadata.get("sha256"),
                    digest_header=digest_header,
                    content_md5=request.META.get("HTTP_CONTENT_MD5"),
                ),
                sampling_rate_hint=metadata.get("sampling_rate"),
                sample_format_hint=metadata.get("sample_format", ""),
                replaces_sha256=plan.replaces_sha256,
                target=(plan.device, plan.patient),
            )
        except RecordingExists:
            if request.META.get("HTTP_IF_NONE_MATCH") is not None:
                raise RecordingVersionMismatch() from None  # created meanwhile by someone else
            raise
        except RecordingOwnedByOther:  # created meanwhile by someone else: as the precheck says
            raise RecordingExists() from None
        finally:
            upload.discard()  # a stored upload was moved away; anything else goes
        headers = {"ETag": recording_etag(recording)}
        if not replaced:
            headers["Location"] = request.build_absolute_uri(request.path)
        return Response(
            RecordingSerializer(recording).data, status=200 if replaced else 201, headers=headers
        )


# --- The file ---------------------------------------------------------------------------------


class RecordingFileView(ApiV2View):
    @extend_schema(
        tags=[TAG],
        summary="Download the recording's file (streamed; Range, If-Range, If-None-Match, HEAD)",
        parameters=[
            OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="bytes=first-last"),
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER),
            OpenApiParameter("If-Range", str, OpenApiParameter.HEADER),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with its ETag."
            ),
            (206, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="One byte range."
            ),
            304: OpenApiResponse(description="Not modified (If-None-Match)."),
            **error_responses(
                "not_authenticated",
                "recording_not_found",
                "recording_file_missing",
                "range_not_satisfiable",
            ),
        },
    )
    def get(self, request, data_id: str):
        recording = _recording_for(request, data_id)
        response = recording_file_response(recording=recording, request=request)
        if response.status_code == 416:
            return Response(
                v2_error_body(
                    "range_not_satisfiable", "No byte of the file is in the requested Range."
                ),
                status=416,
                headers={"Content-Range": response["Content-Range"]},
            )
        if response.status_code in (200, 206) and request.method == "GET":
            recording_download_record(
                recording=recording, byte_range=request.META.get("HTTP_RANGE")
            )
        return response


# --- Preview and plots ------------------------------------------------------------------------


class PreviewParamsSerializer(serializers.Serializer):
    start = serializers.FloatField(
        min_value=0, max_value=MAX_WINDOW_SECONDS, default=0, help_text="Seconds from the start."
    )
    duration = serializers.FloatField(
        min_value=0.001,
        max_value=MAX_WINDOW_SECONDS,
        required=False,
        help_text="Seconds; to the end of the recording when absent.",
    )
    points = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PREVIEW_POINTS,
        default=DEFAULT_PREVIEW_POINTS,
        help_text="The point budget per lead.",
    )


PREVIEW_RESPONSE = inline_serializer(
    "RecordingPreview",
    {
        "data_id": serializers.CharField(),
        "start": serializers.FloatField(),
        "end": serializers.FloatField(),
        "sampling_rate": serializers.FloatField(),
        "units": serializers.CharField(),
        "samples_per_point": serializers.IntegerField(),
        "seconds_per_point": serializers.FloatField(),
        "t": serializers.ListField(child=serializers.FloatField()),
        "leads": inline_serializer(
            "RecordingPreviewLead",
            {
                "name": serializers.CharField(),
                "min": serializers.ListField(child=serializers.FloatField(allow_null=True)),
                "max": serializers.ListField(child=serializers.FloatField(allow_null=True)),
            },
            many=True,
        ),
    },
)


class RecordingPreviewView(ApiV2View):
    @extend_schema(
        tags=[TAG],
        summary="Per-lead min/max envelope of a time window, within a point budget",
        description=(
            "Point i covers [t[i], t[i] + seconds_per_point). Served from the analysis summary, "
            "so a day-long window costs about what a ten-second one does."
        ),
        parameters=[PreviewParamsSerializer],
        responses={
            200: PREVIEW_RESPONSE,
            **error_responses(
                "validation_error",
                "not_authenticated",
                "recording_not_found",
                "analysis_pending",
                "recording_unreadable",
            ),
        },
        examples=[
            OpenApiExample(
                "preview",
                value={
                    "data_id": "ECG-0001-20261201-100000",
                    "start": 0.0,
                    "end": 10.0,
                    "sampling_rate": 500.0,
                    "units": "mV",
                    "samples_per_point": 1250,
                    "seconds_per_point": 2.5,
                    "t": [0.0, 2.5, 5.0, 7.5],
                    "leads": [
                        {
                            "name": "II",
                            "min": [-0.2, -0.3, -0.2, -0.25],
                            "max": [1.1, 1.2, 1.0, 1.1],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, data_id: str):
        params = PreviewParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, points = params.validated_data["start"], params.validated_data["points"]
        recording = _recording_for(request, data_id)
        duration = _analysed_duration(recording)
        _check_start(start, duration)
        end = min(duration, start + params.validated_data.get("duration", duration))
        try:
            window = recording_preview(
                recording=recording, start_s=start, end_s=end, max_points=points
            )
        except OSError as exc:
            logger.error("The summary of recording %s cannot be read: %s", data_id, exc)
            raise RecordingFileMissing() from exc
        return Response({"data_id": recording.data_id, "start": start, "end": end, **window})


class PlotParamsSerializer(serializers.Serializer):
    start = serializers.FloatField(
        min_value=0, max_value=MAX_WINDOW_SECONDS, default=0, help_text="Seconds from the start."
    )


class RecordingPlotView(ApiV2View):
    """A ten-second strip on ECG paper (25 mm/s, 10 mm/mV)."""

    image_format = "png"
    media_types = {"png": "image/png", "svg": "image/svg+xml"}

    def plot(self, request, data_id: str) -> HttpResponse:
        params = PlotParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start = params.validated_data["start"]
        recording = _recording_for(request, data_id)
        _check_start(start, _analysed_duration(recording))
        try:
            image = recording_plot(
                recording=recording, image_format=self.image_format, start_s=start
            )
        except UnreadableRecording as exc:
            raise RecordingUnreadable(exc.reason) from exc
        except OSError as exc:
            logger.error("The file of recording %s cannot be read: %s", data_id, exc)
            raise RecordingFileMissing() from exc
        return HttpResponse(
            image,
            content_type=self.media_types[self.image_format],
            headers={"Cache-Control": "private, max-age=300"},
        )


def _plot_schema(media_type: str):
    return extend_schema(
        tags=[TAG],
        summary=f"A ten-second ECG paper strip as {media_type}",
        parameters=[PlotParamsSerializer],
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
            **error_responses(
                "validation_error",
                "not_authenticated",
                "recording_not_found",
                "analysis_pending",
                "recording_unreadable",
            ),
        },
    )


class RecordingPlotPngView(RecordingPlotView):
    image_format = "png"

    @_plot_schema("image/png")
    def get(self, request, data_id: str):
        return self.plot(request, data_id)


class RecordingPlotSvgView(RecordingPlotView):
    image_format = "svg"

    @_plot_schema("image/svg+xml")
    def get(self, request, data_id: str):
        return self.plot(request, data_id)
