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
from audit.models import AuditEvent
from audit.services import audit_record
from devices.errors import DeviceNotFound
from devices.models import Device
from devices.selectors import device_get_for_user
from ecg_server.errors import PermissionDenied
from patients.errors import PatientNotFound
from patients.models import Patient
from patients.selectors import patient_get_for_user
from recordings.downloads import entity_tags, recording_etag
from recordings.errors import (
    ChecksumMismatch,
    OverwriteNeedsPrecondition,
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
# `If-Match: *` / `If-None-Match: *`: any existing version.
ANY_VERSION = "*"


@dataclass(frozen=True)
class ExpectedDigests:
    """Checksums the client sent with the file; each is checked when present."""

    sha256_hex: str | None = None  # the `sha256` form field
    digest_header: str | None = None  # `Digest: sha-256=<base64>`
    content_md5: str | None = None  # `Content-MD5: <base64>`


def sha256_from_digest_header(header: str) -> bytes | None:
    """The SHA-256 named by `Digest: sha-256=<base64>` or RFC 9530 `Repr-Digest: sha-256=:<b64>:`.

    None when the header names no SHA-256; `ValueError` when its SHA-256 is not the base64 of
    32 bytes.
    """
    for part in header.split(","):
        algorithm, _, value = part.strip().partition("=")
        if algorithm.strip().lower() == "sha-256":
            digest = _b64(value.strip().strip(":"))
            if digest is None or len(digest) != 32:
                raise ValueError("sha-256 must be the base64 of 32 bytes.")
            return digest
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
        try:
            claimed = sha256_from_digest_header(expected.digest_header)
        except ValueError:
            claimed = None  # the legacy API has always ignored a Digest it cannot read
        if claimed is not None and claimed != actual_sha256:
            raise ChecksumMismatch("Digest")
    md5_sent = expected.content_md5 is not None and upload.md5 is not None
    if md5_sent and _b64(expected.content_md5.strip()) != upload.md5.digest():
        raise ChecksumMismatch("Content-MD5")


def _recording_target(
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


def _check_replaceable(existing: Recording, *, uploader: User, overwrite: bool) -> None:
    """Refuse to store over `existing` unless asked to overwrite, by its own uploader."""
    if not overwrite:
        raise RecordingExists()
    if existing.uploaded_by_id != uploader.pk:
        raise RecordingOwnedByOther()


def _check_version(current: Recording | None, replaces_sha256: str | None) -> None:
    if replaces_sha256 is None:
        return
    if current is None or replaces_sha256 not in (ANY_VERSION, current.sha256):
        raise RecordingVersionMismatch()


@dataclass(frozen=True)
class UploadConditions:
    """A conditional upload's If-Match / If-None-Match entity tags (None: header absent)."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @classmethod
    def from_headers(cls, if_match: str | None, if_none_match: str | None) -> UploadConditions:
        return cls(
            None if if_match is None else entity_tags(if_match),
            None if if_none_match is None else entity_tags(if_none_match),
        )


@dataclass(frozen=True)
class UploadPlan:
    """What `recording_upload_precheck` decided, for `recording_store`."""

    device: Device
    patient: Patient
    overwrite: bool
    replaces_sha256: str | None


def recording_upload_precheck(
    *,
    uploader: User,
    data_id: str,
    device_serial_number: str,
    patient_number: str,
    conditions: UploadConditions,
) -> UploadPlan:
    """Every refusal of a conditional upload that does not depend on its bytes, before reading.

    `recording_store` checks the version again under the row lock (`ANY_VERSION` for
    `If-Match: *`). Refusals: `RecordingTargetInvalid`; `RecordingExists` for someone else's
    recording, whatever the conditions (data_ids are global, so its existence cannot be
    hidden, but its version is never compared and the attempt is audited);
    `RecordingVersionMismatch` (412) when a condition fails; `OverwriteNeedsPrecondition`
    (428) to replace a recording without If-Match.
    """
    device, patient = _recording_target(
        user=uploader, serial_number=device_serial_number, patient_number=patient_number
    )
    existing = Recording.objects.filter(data_id=data_id).only("uploaded_by_id", "sha256").first()
    if existing is not None and existing.uploaded_by_id != uploader.pk:
        audit_record(
            action="access.denied",
            outcome=AuditEvent.DENIED,
            detail={"data_id": data_id, "reason": "overwrite of another user's recording"},
        )
        raise RecordingExists()
    etag = None if existing is None else recording_etag(existing)
    if_match, if_none_match = conditions.if_match, conditions.if_none_match
    # RFC 9110 section 13.2.2: If-Match first, then If-None-Match; either failing is a 412.
    if if_match is not None and (
        existing is None or not (ANY_VERSION in if_match or etag in if_match)
    ):
        raise RecordingVersionMismatch()
    if (
        existing is not None
        and if_none_match is not None
        and (ANY_VERSION in if_none_match or etag in if_none_match)
    ):
        raise RecordingVersionMismatch()
    if if_match is not None:
        replaces = ANY_VERSION if ANY_VERSION in if_match else existing.sha256
        return UploadPlan(device, patient, overwrite=True, replaces_sha256=replaces)
    if existing is None:
        return UploadPlan(device, patient, overwrite=False, replaces_sha256=None)
    raise OverwriteNeedsPrecondition()


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
    target: tuple[Device, Patient] | None = None,
) -> tuple[Recording, bool]:
    """Store an uploaded recording; returns it and whether it replaced an existing one.

    `target` is the device and patient an `UploadPlan` already resolved for this uploader.

    With `replaces_sha256` (an If-Match), only the existing version with that SHA-256 (any
    existing version for `ANY_VERSION`) is replaced, checked again under the row lock;
    otherwise `RecordingVersionMismatch`.

    Refusals (`ChecksumMismatch`, `RecordingTargetInvalid`, `RecordingExists`,
    `RecordingOwnedByOther`, `RecordingVersionMismatch`, `StorageUnavailable`) leave no row and
    no file behind, and an existing recording untouched.
    """
    recording_verify_digests(upload=upload, expected=expected)
    device, patient = target or _recording_target(
        user=uploader, serial_number=device_serial_number, patient_number=patient_number
    )
    existing = Recording.objects.filter(data_id=data_id).first()
    if existing is not None:
        _check_replaceable(existing, uploader=uploader, overwrite=overwrite)
    _check_version(existing, replaces_sha256)

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
        if current is not None:  # whose it is first: never compare another user's version
            _check_replaceable(current, uploader=uploader, overwrite=overwrite)
        _check_version(current, replaces_sha256)
        if current is None:
            recording = Recording.objects.create(data_id=data_id, **fields)
            audit_record(action="recording.upload", obj=recording, detail=_upload_detail(recording))
            recording_analysis_schedule(recording=recording, is_new=True)
            return recording, False
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
