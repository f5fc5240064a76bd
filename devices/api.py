"""The clinician API's devices: list, retrieve, register or claim, update, delete."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from devices.errors import DeviceNotFound
from devices.models import Device
from devices.selectors import device_get_for_user, devices_visible_to
from devices.services import device_delete, device_register, device_update
from ecg_server.api_v2 import (
    ApiV2View,
    StableOrderingFilter,
    V2CursorPagination,
    error_responses,
    hidden_unless_visible,
)

TAG = "v2: devices"
MAX_LEADS = 64


class DeviceSerializer(serializers.ModelSerializer):
    firmware_version_id = serializers.CharField(source="firmware_info.version_id")
    firmware_version_number = serializers.CharField(source="firmware_info.version_number")

    class Meta:
        model = Device
        fields = [
            "serial_number",
            "name",
            "mac_address",
            "lead_count",
            "firmware_version_id",
            "firmware_version_number",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeviceCreateSerializer(serializers.ModelSerializer):
    """A new device, or a claim of a known one (which needs its registered MAC address)."""

    class Meta:
        model = Device
        fields = ["serial_number", "name", "mac_address", "lead_count"]
        extra_kwargs = {
            # A known serial number is a claim, not a duplicate.
            "serial_number": {"validators": []},
            "lead_count": {"min_value": 1, "max_value": MAX_LEADS},
        }


class DeviceUpdateSerializer(serializers.ModelSerializer):
    # Firmware strings are kept verbatim: devices compare against " N/A ".
    firmware_version_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, trim_whitespace=False
    )
    firmware_version_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, trim_whitespace=False
    )

    class Meta:
        model = Device
        fields = [
            "name",
            "mac_address",
            "lead_count",
            "firmware_version_id",
            "firmware_version_number",
        ]
        extra_kwargs = {"lead_count": {"min_value": 1, "max_value": MAX_LEADS}}


DEVICE_EXAMPLE = OpenApiExample(
    "device",
    value={
        "serial_number": "ECG-0001",
        "name": "Ward 3 recorder",
        "mac_address": "AA:BB:CC:DD:EE:01",
        "lead_count": 12,
        "firmware_version_id": "fw-2026.1",
        "firmware_version_number": "2.4.0",
        "created_at": "2026-12-01T09:00:00Z",
        "updated_at": "2026-12-01T09:00:00Z",
    },
    response_only=True,
)


class DeviceListView(ListModelMixin, ApiV2View):
    serializer_class = DeviceSerializer
    pagination_class = V2CursorPagination
    filter_backends = [StableOrderingFilter]
    ordering_fields = ["serial_number"]
    ordering = ["serial_number"]

    def get_queryset(self):
        return devices_visible_to(user=self.request.user)

    @extend_schema(
        tags=[TAG],
        summary="The devices the caller may use (every device, for a superuser)",
        responses={200: DeviceSerializer(many=True), **error_responses("not_authenticated")},
        examples=[DEVICE_EXAMPLE],
    )
    def get(self, request):
        return self.list(request)

    @extend_schema(
        tags=[TAG],
        summary="Register a device, or claim a known one with its MAC address",
        request=DeviceCreateSerializer,
        responses={
            201: DeviceSerializer,
            **error_responses(
                "validation_error",
                "parse_error",
                "not_authenticated",
                "permission_denied",
                "unsupported_media_type",
                "too_many_attempts",
            ),
        },
        examples=[
            OpenApiExample(
                "register",
                value={"serial_number": "ECG-0001", "mac_address": "AA:BB:CC:DD:EE:01"},
                request_only=True,
            ),
            DEVICE_EXAMPLE,
        ],
    )
    def post(self, request):
        serializer = DeviceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device = device_register(user=request.user, **serializer.validated_data)
        return Response(DeviceSerializer(device).data, status=201)


class DeviceDetailView(ApiV2View):
    def get_device(self, serial_number: str) -> Device:
        with hidden_unless_visible(self.request, DeviceNotFound):
            return device_get_for_user(user=self.request.user, serial_number=serial_number)

    @extend_schema(
        tags=[TAG],
        summary="One device",
        responses={
            200: DeviceSerializer,
            **error_responses("not_authenticated", "device_not_found"),
        },
        examples=[DEVICE_EXAMPLE],
    )
    def get(self, request, serial_number: str):
        return Response(DeviceSerializer(self.get_device(serial_number)).data)

    @extend_schema(
        tags=[TAG],
        summary="Change a device's settings (only the fields given)",
        request=DeviceUpdateSerializer,
        responses={
            200: DeviceSerializer,
            **error_responses(
                "validation_error",
                "parse_error",
                "not_authenticated",
                "device_not_found",
                "unsupported_media_type",
            ),
        },
        examples=[
            OpenApiExample("rename", value={"name": "Ward 4 recorder"}, request_only=True),
            DEVICE_EXAMPLE,
        ],
    )
    def patch(self, request, serial_number: str):
        device = self.get_device(serial_number)
        serializer = DeviceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        device_update(device=device, **serializer.validated_data)
        # Read back with its firmware row, which was updated in the database only; a device
        # deleted meanwhile is a 404 like any other.
        return Response(DeviceSerializer(self.get_device(serial_number)).data)

    @extend_schema(
        tags=[TAG],
        summary="Delete a device (its recordings are kept, with its serial number)",
        responses={204: None, **error_responses("not_authenticated", "device_not_found")},
    )
    def delete(self, request, serial_number: str):
        device_delete(device=self.get_device(serial_number))
        return Response(status=204)
