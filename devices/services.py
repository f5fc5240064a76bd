"""Device workflows: registering, claiming, updating and deleting devices."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.attempts import attempt_limit_check, attempt_record
from accounts.models import User
from audit.services import audit_record
from devices.errors import DeviceNotFound
from devices.models import MAC_NOT_REGISTERED, Device, DeviceLink, FirmwareInfo
from ecg_server.errors import PermissionDenied

DEFAULT_DEVICE_NAME = "DefaultDevice"
DEFAULT_LEAD_COUNT = 12


def _same_mac(registered: str, given: str | None) -> bool:
    if given is None:
        return False
    return registered.strip().lower() == given.strip().lower()


def device_register(
    *,
    user: User,
    serial_number: str,
    name: str | None = None,
    mac_address: str | None = None,
    lead_count: int | None = None,
) -> Device:
    """Create the device and link it to `user`; for a known serial, only link it (a claim).

    Claiming a device needs its registered MAC address (superusers are exempt), so a serial number
    alone never opens someone else's device. A device without a registered MAC can be linked to
    further users only by a superuser or in the admin.
    """
    device = Device.objects.filter(serial_number=serial_number).first()
    if device is None:
        try:
            with transaction.atomic():
                device = Device.objects.create(
                    serial_number=serial_number,
                    name=name or DEFAULT_DEVICE_NAME,
                    mac_address=mac_address or MAC_NOT_REGISTERED,
                    lead_count=lead_count or DEFAULT_LEAD_COUNT,
                )
                FirmwareInfo.objects.create(device=device)
                DeviceLink.objects.create(user=user, device=device)
                audit_record(action="device.create", obj=device)
            return device
        except IntegrityError:  # registered concurrently: what remains is a claim
            device = Device.objects.get(serial_number=serial_number)
    device_claim(user=user, device=device, mac_address=mac_address)
    return device


def device_claim(*, user: User, device: Device, mac_address: str | None) -> None:
    """Link `user` to an existing device; linking twice is a no-op.

    The MAC address is a weak secret (a vendor prefix leaves about 2^24 guesses), so wrong
    guesses are counted per account (by id: a rename does not reset it), and past
    `ATTEMPT_LIMITS["device_claim"]` every claim of that account, right or wrong, is
    `TooManyAttempts` until the window ends. Not per device: that would let anyone lock a
    device's rightful claimants out.
    """
    if DeviceLink.objects.filter(user=user, device=device).exists():
        return
    if not user.is_superuser:
        claimant = {"account": f"user-{user.pk}"}
        attempt_limit_check(scope="device_claim", identities=claimant)
        if not (device.has_registered_mac and _same_mac(device.mac_address, mac_address)):
            attempt_record(scope="device_claim", identities=claimant)
            raise PermissionDenied()
    with transaction.atomic():
        _, created = DeviceLink.objects.get_or_create(user=user, device=device)
        if created:
            audit_record(action="device.link", obj=device, detail={"user": user.username})


DEVICE_FIELDS = ("name", "mac_address", "lead_count")
FIRMWARE_FIELDS = ("version_id", "version_number")


@transaction.atomic
def device_update(
    *,
    device: Device,
    name: str | None = None,
    mac_address: str | None = None,
    lead_count: int | None = None,
    firmware_version_id: str | None = None,
    firmware_version_number: str | None = None,
) -> Device:
    """Change only the settings given (None means "not given").

    `DeviceNotFound` when another request deleted the device after the caller looked it up.
    """
    device_changes = {
        field: value
        for field, value in zip(DEVICE_FIELDS, (name, mac_address, lead_count), strict=True)
        if value is not None
    }
    if device_changes:
        device_changes["updated_at"] = timezone.now()
        if not Device.objects.filter(pk=device.pk).update(**device_changes):
            raise DeviceNotFound()
        for field, value in device_changes.items():
            setattr(device, field, value)
    firmware_changes = {
        field: value
        for field, value in zip(
            FIRMWARE_FIELDS, (firmware_version_id, firmware_version_number), strict=True
        )
        if value is not None
    }
    if firmware_changes and not FirmwareInfo.objects.filter(device=device).update(
        **firmware_changes
    ):
        if not Device.objects.filter(pk=device.pk).exists():
            raise DeviceNotFound()
        FirmwareInfo.objects.create(device=device, **firmware_changes)  # an admin-made device
    audit_record(
        action="device.update",
        obj=device,
        detail={
            "fields": sorted(device_changes) + sorted(f"firmware_{f}" for f in firmware_changes)
        },
    )
    return device


@transaction.atomic
def device_delete(*, device: Device) -> None:
    """Delete the device and its links; recordings made with it keep its serial number."""
    audit_record(action="device.delete", obj=device)
    device.delete()
