"""Recording workflows: storing an upload (new or overwrite) and erasing recordings.

Storing is ordered so that nothing is ever lost: the new file is stored first, the row is created
or switched in one transaction, and a replaced file is deleted only after that commits. When any
step fails, the new file is removed and the old recording stays as it was.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record
from devices.errors import DeviceNotFound
from devices.models import Device
from devices.selectors import device_get_for_user
from ecg_server.errors import PermissionDenied
from patients.errors import PatientNotFound
from patients.models import Patient
from patients.selectors import patient_get_for_user
from recordings.errors import (
    ChecksumMismatch,
    RecordingExists,
    RecordingOwnedByOther,
    RecordingTargetInvalid,
    RecordingVersionMismatch,
    StorageUnavailable,
)
from recordings.insight import recording_analysis_schedule
from recordings.models import Recording
from recordings.storage import new_recording_name, recording_storage
from recordings.uploads import IncomingRecordingFile

logger = logging.getLogger(__name__)

# Concurrent uploads of one data_id: the loser of the insert race retries once as an overwrite.
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class ExpectedDigests:
    """Checksums the client sent with the file; each is checked when present."""

    sha256_hex: str | None = None  # the `sha256` form field
    digest_header: str | None = None  # `Digest: sha-256=<base64>`
    content_md5: str | None = None  # `Content-MD5: <base64>`


def _digest_header_sha256(header: str) -> bytes | None:
    for part in header.split(","):
        algorithm, _, value = part.strip().partition("=")
        if algorithm.strip().lower() == "sha-256":
            return _b64(value.strip())
    return None


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def recording_verify_digests(*, upload: IncomingRecordingFile, expected: ExpectedDigests) -> None:
    """Refuse the upload when it does not match a checksum the client sent."""
    actual_sha256 = upload.sha256.digest()
    if expected.sha256_hex is not None and expected.sha256_hex.lower() != actual_sha256.hex():
        raise ChecksumMismatch("sha256")
    if expected.digest_header is not None:
        claimed = _digest_header_sha256(expected.digest_header)
        if claimed is not None and claimed != actual_sha256:
            raise ChecksumMismatch("Digest")
    md5_sent = expected.content_md5 is not None and upload.md5 is not None
    if md5_sent and _b64(expected.content_md5.strip()) != upload.md5.digest():
        raise ChecksumMismatch("Content-MD5")


def recording_target(
    *, user: User, serial_number: str, patient_number: str
) -> tuple[Device, Patient]:
    """The device and patient a recording of `user` may be filed under.

    Raises `RecordingTargetInvalid` for an unknown one or one that is not the user's. Callers
    that receive a large body check this first, so a refusal does not wait for the body.
    """
    try:
        device = device_get_for_user(user=user, serial_number=serial_number)
        patient = patient_get_for_user(user=user, patient_number=patient_number)
    except (DeviceNotFound, PermissionDenied, PatientNotFound):
        raise RecordingTargetInvalid() from None
    return device, patient


def recording_check_replaceable(existing: Recording, *, uploader: User, overwrite: bool) -> None:
    """Refuse to store over `existing` unless asked to overwrite, by its own uploader."""
    if not overwrite:
        raise RecordingExists()
    if existing.uploaded_by_id != uploader.pk:
        raise RecordingOwnedByOther()


def _check_version(current: Recording | None, replaces_sha256: str | None) -> None:
    if replaces_sha256 is not None and (current is None or current.sha256 != replaces_sha256):
        raise RecordingVersionMismatch()


def _store_file(upload: IncomingRecordingFile) -> str:
    try:
        name = recording_storage().save(new_recording_name(), upload)
    except OSError as exc:
        logger.error("Could not store an uploaded recording: %s", exc)
        raise StorageUnavailable() from exc
    upload.close()  # its bytes now live in storage (on a local disk, the file was renamed)
    return name


def recording_file_delete(name: str) -> None:
    """Remove a stored file; a file already gone is not an error."""
    try:
        recording_storage().delete(name)
    except OSError:
        logger.exception("Could not delete the stored recording file %s", name)


def recording_store(
    *,
    uploader: User,
    data_id: str,
    device_serial_number: str,
    patient_number: str,
    upload: IncomingRecordingFile,
    start_time: datetime,
    end_time: datetime,
    overwrite: bool = False,
    expected: ExpectedDigests = ExpectedDigests(),
    sampling_rate_hint: float | None = None,
    sample_format_hint: str = "",
    replaces_sha256: str | None = None,
) -> tuple[Recording, bool]:
    """Store an uploaded recording; returns it and whether it replaced an existing one.

    With `replaces_sha256` (an If-Match), only the existing version with that SHA-256 is
    replaced, checked again under the row lock; otherwise `RecordingVersionMismatch`.

    Refusals (`ChecksumMismatch`, `RecordingTargetInvalid`, `RecordingExists`,
    `RecordingOwnedByOther`, `RecordingVersionMismatch`, `StorageUnavailable`) leave no row and
    no file behind, and an existing recording untouched.
    """
    recording_verify_digests(upload=upload, expected=expected)
    device, patient = recording_target(
        user=uploader, serial_number=device_serial_number, patient_number=patient_number
    )
    existing = Recording.objects.filter(data_id=data_id).first()
    _check_version(existing, replaces_sha256)
    if existing is not None:
        recording_check_replaceable(existing, uploader=uploader, overwrite=overwrite)

    stored_name = _store_file(upload)
    fields = {
        "device": device,
        "device_serial_number": device.serial_number,
        "patient": patient,
        "uploaded_by": uploader,
        "start_time": start_time,
        "end_time": end_time,
        "file": stored_name,
        "original_name": (upload.name or "")[:255],
        "size": upload.size,
        "sha256": upload.sha256.hexdigest(),
        "content_type": (upload.content_type or "")[:100],
        "sampling_rate_hint": sampling_rate_hint,
        "sample_format_hint": sample_format_hint,
    }
    try:
        for _ in range(STORE_ATTEMPTS):
            try:
                return _save_row(
                    data_id=data_id,
                    fields=fields,
                    uploader=uploader,
                    overwrite=overwrite,
                    replaces_sha256=replaces_sha256,
                )
            except IntegrityError:
                # Another upload created this data_id between our check and our insert.
                continue
        raise RecordingExists()
    except BaseException:
        recording_file_delete(stored_name)
        raise


def _save_row(
    *, data_id: str, fields: dict, uploader: User, overwrite: bool, replaces_sha256: str | None
) -> tuple[Recording, bool]:
    with transaction.atomic():
        current = Recording.objects.select_for_update().filter(data_id=data_id).first()
        _check_version(current, replaces_sha256)
        if current is None:
            recording = Recording.objects.create(data_id=data_id, **fields)
            audit_record(action="recording.upload", obj=recording, detail=_upload_detail(recording))
            recording_analysis_schedule(recording=recording, is_new=True)
            return recording, False
        recording_check_replaceable(current, uploader=uploader, overwrite=overwrite)
        replaced_name = current.file.name
        for field, value in fields.items():
            setattr(current, field, value)
        current.save()
        audit_record(
            action="recording.overwrite",
            obj=current,
            detail={**_upload_detail(current), "replaced_file": replaced_name},
        )
        recording_analysis_schedule(recording=current)  # a new version: analyse it again
        # The old bytes stay readable until the new row is committed.
        transaction.on_commit(lambda: recording_file_delete(replaced_name))
        return current, True


def _upload_detail(recording: Recording) -> dict:
    return {"size": recording.size, "sha256": recording.sha256, "file": recording.file.name}


def recording_download_record(*, recording: Recording, byte_range: str | None = None) -> None:
    """Note that the current user fetched the recording's bytes."""
    audit_record(
        action="recording.download",
        obj=recording,
        detail={"range": byte_range} if byte_range else {},
    )


def recordings_erase_for_patient(*, patient: Patient) -> int:
    """Delete a patient's recordings; their files go once the transaction commits."""
    deleted, _ = Recording.objects.filter(patient=patient).delete()
    return deleted
