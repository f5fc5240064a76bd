"""Test data builders."""

from __future__ import annotations

import io
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


def upload_fields(
    token: str | None, *, content: bytes = b"1,2,3\n", name: str = "rec.csv", **fields
) -> dict:
    """A post_data multipart body (as a dict for Django's test client)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {
        "data_id": "D-1",
        "device_sl_no": "ECG-1",
        "patient_no": "P-1",
        "File": SimpleUploadedFile(name, content, content_type="text/csv"),
        "Start_Time": "2026-12-01T10:00:00Z",
        "End_Time": "2026-12-01T10:00:10Z",
    }
    if token is not None:
        body["session_id"] = token
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def make_recording(
    *, data_id: str, uploader, patient, device=None, content: bytes = b"0,1\n", **fields
):
    """A stored recording, made through the same service as uploads."""
    import hashlib
    from datetime import UTC, datetime

    from django.core.files.base import ContentFile

    from recordings.models import Recording
    from recordings.storage import new_recording_name, recording_storage

    name = recording_storage().save(new_recording_name(), ContentFile(content))
    return Recording.objects.create(
        data_id=data_id,
        device=device,
        device_serial_number=device.serial_number if device else "GONE-1",
        patient=patient,
        uploaded_by=uploader,
        start_time=fields.pop("start_time", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        end_time=fields.pop("end_time", datetime(2026, 12, 1, 10, 0, 10, tzinfo=UTC)),
        file=name,
        original_name=fields.pop("original_name", "rec.csv"),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_type="text/csv",
        **fields,
    )


class ResetMidway(io.RawIOBase):
    """A request body whose connection resets after `limit` bytes."""

    def __init__(self, data: bytes, limit: int):
        self.data, self.limit, self.position = data, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.position >= self.limit:
            raise ConnectionResetError(104, "Connection reset by peer")
        chunk = self.data[self.position : min(self.limit, self.position + len(buffer))]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)
