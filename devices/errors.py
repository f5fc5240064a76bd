from __future__ import annotations

from ecg_server.errors import DomainError


class DeviceNotFound(DomainError):
    code = "device_not_found"
    status = 404
    message = "No device with that serial number."
