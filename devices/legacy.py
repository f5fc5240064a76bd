"""The legacy device endpoints: add_device, delete_device, show_devices, get_ota,
update_device_settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from devices.models import Device
from devices.selectors import device_get_for_user, devices_for_user
from devices.services import device_delete, device_register, device_update
from ecg_server.legacy import (
    LegacyView,
    SessionSerializer,
    wire_errors,
    wire_string,
    wire_string_or_errors,
)

SERIAL_MAX_LENGTH = 64


def serial_number_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=SERIAL_MAX_LENGTH, **kwargs)


def mac_id_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=64, required=False, source="mac_address", **kwargs)


def num_of_leads_field() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=64, source="lead_count")


class DeviceWireSerializer(serializers.Serializer):
    """A device as get_ota and show_devices send it (note the capital V of Firmware_Version_id)."""

    device_name = serializers.CharField(source="name")
    serial_number = serializers.CharField()
    Mac_id = serializers.CharField(source="mac_address")
    Num_of_Leads = serializers.IntegerField(source="lead_count")
    Firmware_Version_id = serializers.CharField(source="firmware_info.version_id")
    Firmware_version_number = serializers.CharField(source="firmware_info.version_number")


def device_wire(device: Device) -> dict:
    return DeviceWireSerializer(device).data


class SerialNumberSerializer(SessionSerializer):
    serial_number = serial_number_field()


UNAUTHORIZED = wire_string("The caller may not use this device.", "UNAUTHORIZED")


# --- add_device -------------------------------------------------------------------------------


class AddDeviceSerializer(SessionSerializer):
    device_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, source="name"
    )
    serial_number = serial_number_field()
    Mac_id = mac_id_field(allow_blank=True)
    Num_of_Leads = num_of_leads_field()


class AddDeviceView(LegacyView):
    invalid_session_body = "INVALID AUTH"

    @extend_schema(
        summary="Register a device, or link a known one to the caller",
        request=AddDeviceSerializer,
        responses={
            201: wire_string("Registered or linked.", "SUCCESS"),
            400: wire_errors(),
            401: wire_string(
                "Invalid session, or a claim without the device's registered MAC.",
                "INVALID AUTH",
                "UNAUTHORIZED",
            ),
        },
    )
    def post(self, request):
        data = self.validated(AddDeviceSerializer)
        device_register(user=request.user, **data)
        return Response("SUCCESS", status=201)


# --- delete_device ----------------------------------------------------------------------------


class DeleteDeviceView(LegacyView):
    invalid_session_body = "INVALID SESSION"

    @extend_schema(
        summary="Delete a device (its recordings are kept)",
        request=SerialNumberSerializer,
        responses={
            200: wire_string("Deleted.", "SUCCESS"),
            400: wire_string_or_errors("No such device, or `{errors}`.", "DEVICE DOES NOT EXIST"),
            401: wire_string("Invalid session, or not linked.", "INVALID SESSION", "UNAUTHORIZED"),
        },
    )
    def post(self, request):
        data = self.validated(SerialNumberSerializer)
        device = device_get_for_user(user=request.user, serial_number=data["serial_number"])
        device_delete(device=device)
        return Response("SUCCESS")


# --- show_devices -----------------------------------------------------------------------------

DEVICE_LIST = inline_serializer(
    "DeviceList",
    {
        "status": serializers.CharField(),
        "data": DeviceWireSerializer(many=True),
    },
)
LIST_FAILURE = inline_serializer(
    "DeviceListFailure", {"status": serializers.CharField(), "error": serializers.CharField()}
)


class ShowDevicesView(LegacyView):
    invalid_session_body = {"status": "FAIL", "error": "INVALID SESSION"}

    @extend_schema(
        summary="The caller's devices",
        request=SessionSerializer,
        responses={200: DEVICE_LIST, 400: wire_errors(), 401: LIST_FAILURE},
    )
    def post(self, request):
        self.validated(SessionSerializer)
        devices = devices_for_user(user=request.user)
        return Response(
            {"status": "SUCCESS", "data": DeviceWireSerializer(devices, many=True).data}
        )

    @extend_schema(
        summary="The caller's devices (GET form)",
        request=SessionSerializer,
        responses={200: DEVICE_LIST, 400: wire_errors(), 401: LIST_FAILURE},
    )
    def get(self, request):
        return self.post(request)


# --- get_ota ----------------------------------------------------------------------------------

OTA_RESPONSES = {
    200: DeviceWireSerializer,
    400: wire_string_or_errors("No such device, or `{errors}`.", "DEVICE DOES NOT EXIST"),
    401: wire_string("Invalid session, or not linked.", "INVALID SESSION", "UNAUTHORIZED"),
}


class GetOtaView(LegacyView):
    invalid_session_body = "INVALID SESSION"

    @extend_schema(
        summary="A device's settings and firmware info (GET with a JSON body or query string)",
        request=SerialNumberSerializer,
        responses=OTA_RESPONSES,
    )
    def get(self, request):
        data = self.validated(SerialNumberSerializer)
        device = device_get_for_user(user=request.user, serial_number=data["serial_number"])
        return Response(device_wire(device))

    @extend_schema(
        summary="A device's settings and firmware info (POST form)",
        request=SerialNumberSerializer,
        responses=OTA_RESPONSES,
    )
    def post(self, request):
        return self.get(request)


# --- update_device_settings -------------------------------------------------------------------


class UpdateDeviceSettingsSerializer(SessionSerializer):
    serial_number = serial_number_field()
    device_name = serializers.CharField(max_length=100, required=False, source="name")
    # A small v here, unlike get_ota's Firmware_Version_id: the old app sends it this way.
    Firmware_version_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        source="firmware_version_id",
    )
    Firmware_version_number = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        source="firmware_version_number",
    )
    Mac_id = mac_id_field()
    Num_of_Leads = num_of_leads_field()


class UpdateDeviceSettingsView(LegacyView):
    invalid_session_body = "INVALID SESSION"

    @extend_schema(
        summary="Change a device's settings (only the fields given)",
        request=UpdateDeviceSettingsSerializer,
        responses={
            200: wire_string("Updated.", "SUCCESS"),
            400: wire_string_or_errors("No such device, or `{errors}`.", "DEVICE DOES NOT EXIST"),
            401: wire_string("Invalid session, or not linked.", "INVALID SESSION", "UNAUTHORIZED"),
        },
    )
    def post(self, request):
        data = self.validated(UpdateDeviceSettingsSerializer)
        device = device_get_for_user(user=request.user, serial_number=data.pop("serial_number"))
        device_update(device=device, **data)
        return Response("SUCCESS")
