from django.urls import path

from devices.api import DeviceDetailView, DeviceListView
from devices.legacy import (
    AddDeviceView,
    DeleteDeviceView,
    GetOtaView,
    ShowDevicesView,
    UpdateDeviceSettingsView,
)
from ecg_server.legacy import legacy_path

legacy_urlpatterns = [
    legacy_path("add_device", AddDeviceView),
    legacy_path("delete_device", DeleteDeviceView),
    legacy_path("show_devices", ShowDevicesView),
    legacy_path("get_ota", GetOtaView),
    legacy_path("update_device_settings", UpdateDeviceSettingsView),
]

v2_urlpatterns = [
    path("devices", DeviceListView.as_view(), name="v2-devices"),
    path("devices/<str:serial_number>", DeviceDetailView.as_view(), name="v2-device"),
]
