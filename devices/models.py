from __future__ import annotations

from django.conf import settings
from django.db import models

from ecg_server.fields import IdentifierField

# The wire's "not set" values, kept verbatim: firmware compares against them.
MAC_NOT_REGISTERED = "N/A"
FIRMWARE_NOT_SET = " N/A "


class Device(models.Model):
    """An ECG recorder, identified by its serial number."""

    serial_number = IdentifierField(max_length=64, unique=True)
    name = models.CharField(max_length=100, default="DefaultDevice")
    # The MAC address proves physical possession when a second user claims the device.
    mac_address = models.CharField(
        max_length=64, default=MAC_NOT_REGISTERED, verbose_name="MAC address"
    )
    lead_count = models.PositiveSmallIntegerField(default=12, verbose_name="number of leads")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DeviceLink", related_name="devices", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["serial_number"]

    def __str__(self) -> str:
        return self.serial_number

    @property
    def has_registered_mac(self) -> bool:
        return self.mac_address.strip().upper() not in ("", MAC_NOT_REGISTERED)

    @property
    def firmware_info(self) -> FirmwareInfo:
        """The firmware row, or an unsaved one holding the "not set" values (admin-made devices)."""
        try:
            return self.firmware
        except FirmwareInfo.DoesNotExist:
            return FirmwareInfo(device=self)


class FirmwareInfo(models.Model):
    device = models.OneToOneField(
        Device, on_delete=models.CASCADE, primary_key=True, related_name="firmware"
    )
    version_id = models.CharField(
        max_length=64, default=FIRMWARE_NOT_SET, verbose_name="firmware version id"
    )
    version_number = models.CharField(
        max_length=64, default=FIRMWARE_NOT_SET, verbose_name="firmware version number"
    )

    class Meta:
        verbose_name = "firmware info"
        verbose_name_plural = "firmware info"

    def __str__(self) -> str:
        return f"{self.version_id.strip()} / {self.version_number.strip()}"


class DeviceLink(models.Model):
    """A user allowed to use a device. A device may be linked to several users."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_links"
    )
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device"], name="device_link_one_per_user_device"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.device}"
