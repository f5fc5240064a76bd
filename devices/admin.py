from django.contrib import admin

from devices.models import Device, DeviceLink, FirmwareInfo
from patients.models import PatientDeviceLink


class FirmwareInfoInline(admin.StackedInline):
    model = FirmwareInfo
    can_delete = False
    extra = 1
    max_num = 1


class DeviceLinkInline(admin.TabularInline):
    """The users allowed to use the device; add a row to link one without the MAC check."""

    model = DeviceLink
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)


class DevicePatientLinkInline(admin.TabularInline):
    model = PatientDeviceLink
    extra = 0
    autocomplete_fields = ("patient",)
    readonly_fields = ("created_at",)
    verbose_name = "patient link"


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "serial_number",
        "name",
        "mac_address",
        "lead_count",
        "firmware_version",
        "created_at",
    )
    list_filter = ("lead_count", "created_at", "firmware__version_number")
    search_fields = ("serial_number", "mac_address", "name", "links__user__username")
    list_select_related = ("firmware",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [FirmwareInfoInline, DeviceLinkInline, DevicePatientLinkInline]

    @admin.display(description="firmware", ordering="firmware__version_number")
    def firmware_version(self, device: Device) -> str:
        return str(device.firmware_info)


@admin.register(FirmwareInfo)
class FirmwareInfoAdmin(admin.ModelAdmin):
    list_display = ("device", "version_id", "version_number")
    list_filter = ("version_number",)
    search_fields = ("device__serial_number", "version_id", "version_number")
    list_select_related = ("device",)
    autocomplete_fields = ("device",)


@admin.register(DeviceLink)
class DeviceLinkAdmin(admin.ModelAdmin):
    list_display = ("device", "user", "created_at")
    list_filter = ("created_at",)
    search_fields = ("device__serial_number", "device__mac_address", "user__username")
    list_select_related = ("device", "user")
    autocomplete_fields = ("device", "user")
