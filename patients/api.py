"""The clinician API's patients: list (by device), retrieve, add, rename, erase."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from devices.errors import DeviceNotFound
from ecg_server.api_v2 import (
    ApiV2View,
    StableOrderingFilter,
    V2CursorPagination,
    error_responses,
)
from ecg_server.errors import PermissionDenied
from patients.models import Patient
from patients.selectors import patient_get_for_user, patients_visible_to
from patients.services import patient_erase, patient_register, patient_rename

TAG = "v2: patients"


class PatientSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    devices = serializers.SlugRelatedField(many=True, read_only=True, slug_field="serial_number")

    class Meta:
        model = Patient
        fields = ["patient_number", "name", "owner", "devices", "created_at", "updated_at"]
        read_only_fields = fields


class PatientCreateSerializer(serializers.ModelSerializer):
    device = serializers.CharField(
        max_length=64, required=False, help_text="Serial number of one of the caller's devices."
    )

    class Meta:
        model = Patient
        fields = ["patient_number", "name", "device"]
        # The service reports a taken number (`patient_number_taken`), race-free.
        extra_kwargs = {"patient_number": {"validators": []}}


class PatientUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["name"]


class PatientFilter(filters.FilterSet):
    device = filters.CharFilter(
        field_name="device_links__device__serial_number",
        help_text="Only patients linked to the device with this serial number.",
    )

    class Meta:
        model = Patient
        fields = ["device"]


PATIENT_EXAMPLE = OpenApiExample(
    "patient",
    value={
        "patient_number": "P-1042",
        "name": "Grace Hopper",
        "owner": "dr.ada",
        "devices": ["ECG-0001"],
        "created_at": "2026-12-01T09:05:00Z",
        "updated_at": "2026-12-01T09:05:00Z",
    },
    response_only=True,
)


def _patients_shown(queryset):
    return queryset.select_related("owner").prefetch_related("devices")


class PatientListView(ListModelMixin, ApiV2View):
    serializer_class = PatientSerializer
    pagination_class = V2CursorPagination
    filter_backends = [filters.DjangoFilterBackend, StableOrderingFilter]
    filterset_class = PatientFilter
    ordering_fields = ["patient_number"]
    ordering = ["patient_number"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Patient.objects.none()
        return _patients_shown(patients_visible_to(user=self.request.user))

    @extend_schema(
        tags=[TAG],
        summary="The caller's patients (every patient, for a superuser)",
        responses={
            200: PatientSerializer(many=True),
            **error_responses("validation_error", "not_authenticated"),
        },
        examples=[PATIENT_EXAMPLE],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        tags=[TAG],
        summary="Add a patient, optionally linked to one of the caller's devices",
        request=PatientCreateSerializer,
        responses={
            201: PatientSerializer,
            **error_responses(
                "validation_error",
                "parse_error",
                "patient_number_taken",
                "not_authenticated",
                "unsupported_media_type",
            ),
        },
        examples=[
            OpenApiExample(
                "add",
                value={"patient_number": "P-1042", "name": "Grace Hopper", "device": "ECG-0001"},
                request_only=True,
            ),
            PATIENT_EXAMPLE,
        ],
    )
    def post(self, request):
        serializer = PatientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            patient = patient_register(
                owner=request.user,
                patient_number=data["patient_number"],
                name=data["name"],
                serial_number=data.get("device"),
            )
        except (DeviceNotFound, PermissionDenied):
            # Someone else's device looks exactly like a missing one.
            raise ValidationError({"device": [DeviceNotFound.message]}) from None
        return Response(PatientSerializer(patient).data, status=201)


class PatientDetailView(ApiV2View):
    def get_patient(self, patient_number: str) -> Patient:
        # The selector already answers "not yours" as "does not exist".
        return patient_get_for_user(user=self.request.user, patient_number=patient_number)

    @extend_schema(
        tags=[TAG],
        summary="One patient",
        responses={
            200: PatientSerializer,
            **error_responses("not_authenticated", "patient_not_found"),
        },
        examples=[PATIENT_EXAMPLE],
    )
    def get(self, request, patient_number: str):
        return Response(PatientSerializer(self.get_patient(patient_number)).data)

    @extend_schema(
        tags=[TAG],
        summary="Rename a patient",
        request=PatientUpdateSerializer,
        responses={
            200: PatientSerializer,
            **error_responses(
                "validation_error",
                "parse_error",
                "not_authenticated",
                "patient_not_found",
                "unsupported_media_type",
            ),
        },
        examples=[
            OpenApiExample("rename", value={"name": "Grace B. Hopper"}, request_only=True),
            PATIENT_EXAMPLE,
        ],
    )
    def patch(self, request, patient_number: str):
        serializer = PatientUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            patient = patient_rename(
                user=request.user,
                patient_number=patient_number,
                name=serializer.validated_data["name"],
            )
        else:
            patient = self.get_patient(patient_number)
        return Response(PatientSerializer(patient).data)

    @extend_schema(
        tags=[TAG],
        summary="Erase a patient with all their recordings",
        responses={204: None, **error_responses("not_authenticated", "patient_not_found")},
    )
    def delete(self, request, patient_number: str):
        patient_erase(user=request.user, patient_number=patient_number)
        return Response(status=204)
