"""Reads of devices that enforce who may see them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from devices.errors import DeviceNotFound
from devices.models import Device, DeviceLink
from ecg_server.errors import PermissionDenied


def device_get_for_user(*, user: User, serial_number: str) -> Device:
    """The device with `serial_number`, if `user` is linked to it or is a superuser.

    Raises `DeviceNotFound` when there is none and `PermissionDenied` when it is someone else's
    (the legacy contract tells these apart). One query, firmware included.
    """
    try:  # serial_number is unique; get() compiles a cheaper query than first()'s ORDER BY
        device = (
            Device.objects.select_related("firmware")
            .annotate(
                linked_to_user=Exists(DeviceLink.objects.filter(device=OuterRef("pk"), user=user))
            )
            .get(serial_number=serial_number)
        )
    except Device.DoesNotExist:
        raise DeviceNotFound() from None
    if not (device.linked_to_user or user.is_superuser):
        raise PermissionDenied()
    return device


def devices_for_user(*, user: User) -> QuerySet[Device]:
    """The devices linked to `user`, firmware included, in one query."""
    return (
        Device.objects.filter(links__user=user).select_related("firmware").order_by("serial_number")
    )


def devices_visible_to(*, user: User) -> QuerySet[Device]:
    """Every device `user` may see (the rule of `device_get_for_user`), firmware included.

    Linked devices, or every device for a superuser.
    """
    devices = Device.objects.select_related("firmware")
    if not user.is_superuser:
        devices = devices.filter(
            Exists(DeviceLink.objects.filter(device=OuterRef("pk"), user=user))
        )
    return devices
