from __future__ import annotations

from ecg_server.errors import DomainError


class RecordingNotFound(DomainError):
    code = "recording_not_found"
    status = 404
    message = "No recording with that data_id."


class RecordingFileMissing(DomainError):
    """The row exists but its stored file is gone: an integrity problem, logged as such."""

    code = "recording_file_missing"
    status = 404
    message = "The recording's file is missing."


class RecordingExists(DomainError):
    code = "recording_exists"
    status = 409
    message = "A recording with this data_id already exists."


class RecordingOwnedByOther(DomainError):
    code = "recording_owned_by_other"
    status = 403
    message = "The recording was uploaded by another user."


class RecordingTargetInvalid(DomainError):
    """Unknown device or patient, or one the uploader may not use."""

    code = "recording_target_invalid"
    message = "The device or patient is unknown or not yours."


class RecordingTooLarge(DomainError):
    code = "recording_too_large"
    status = 413

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"The file is larger than the limit of {limit} bytes.")


class ChecksumMismatch(DomainError):
    code = "checksum_mismatch"

    def __init__(self, field: str):
        super().__init__(
            "The file does not match the checksum sent with it.",
            fields={field: ["The uploaded file does not match this checksum."]},
        )


class StorageUnavailable(DomainError):
    code = "storage_unavailable"
    status = 503
    message = "Recording storage is unavailable (full or read-only). Nothing was stored."


class UploadTruncated(DomainError):
    code = "upload_truncated"
    message = "The request body ended before its declared Content-Length. Nothing was stored."
