"""Test data builders."""

from __future__ import annotations

import itertools

from accounts.models import User
from accounts.services import session_create

DEFAULT_PASSWORD = "Sinus-Rhythm-72"
_sequence = itertools.count(1)


def make_user(username: str | None = None, *, password: str = DEFAULT_PASSWORD, **fields) -> User:
    number = next(_sequence)
    fields.setdefault("email", f"user{number}@example.com")
    user = User(username=username or f"user{number}", **fields)
    user.set_password(password)
    user.save()
    return user


def make_superuser(username: str | None = None, **fields) -> User:
    return make_user(username, is_staff=True, is_superuser=True, **fields)


def make_session_token(user: User) -> str:
    _, token = session_create(user=user, user_agent="pytest", client_address="127.0.0.1")
    return token


def make_device(
    serial_number: str | None = None,
    *,
    users=(),
    mac_address: str = "AA:BB:CC:DD:EE:01",
    firmware: tuple[str, str] | None = None,
    **fields,
):
    from devices.models import Device, DeviceLink, FirmwareInfo

    device = Device.objects.create(
        serial_number=serial_number or f"ECG-{next(_sequence):05d}",
        mac_address=mac_address,
        **fields,
    )
    version_id, version_number = firmware or (" N/A ", " N/A ")
    FirmwareInfo.objects.create(device=device, version_id=version_id, version_number=version_number)
    for user in users:
        DeviceLink.objects.create(user=user, device=device)
    return device


def make_patient(patient_number: str | None = None, *, owner, name: str = "Pat Ient", devices=()):
    from patients.models import Patient, PatientDeviceLink

    patient = Patient.objects.create(
        patient_number=patient_number or f"P-{next(_sequence):05d}", name=name, owner=owner
    )
    for device in devices:
        PatientDeviceLink.objects.create(patient=patient, device=device)
    return patient
