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


class RecordingVersionMismatch(DomainError):
    """A conditional write (If-Match / If-None-Match) found another version, or none."""

    code = "precondition_failed"
    status = 412
    message = "The recording is not at the version the request expects. Nothing was changed."


class OverwriteNeedsPrecondition(DomainError):
    code = "precondition_required"
    status = 428
    message = (
        "This recording exists: send If-Match with its ETag to replace it, "
        "or If-None-Match: * to create only."
    )


class UploadLengthRequired(DomainError):
    code = "length_required"
    status = 411
    message = "Send the recording with a Content-Length (chunked uploads are not accepted)."


class AnalysisPending(DomainError):
    code = "analysis_pending"
    status = 409
    message = "The recording has not been analysed yet. Try again shortly."


class RecordingUnreadable(DomainError):
    code = "recording_unreadable"
    status = 422
    message = "The recording could not be read as an ECG."
