"""Serving a stored recording: streamed, resumable (single byte ranges), conditional (ETag)."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from recordings.errors import RecordingFileMissing
from recordings.models import Recording
from recordings.storage import recording_storage

logger = logging.getLogger(__name__)

BLOCK_SIZE = 1024 * 1024
RANGE_PATTERN = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
# A Range header longer than this is not a single range of sane numbers: ignore it.
MAX_RANGE_HEADER = 200


class RecordingFileResponse(FileResponse):
    block_size = BLOCK_SIZE


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) for one satisfiable range, "unsatisfiable", or None to send everything.

    Several ranges, malformed ranges and absurdly long headers are ignored (the whole file is
    sent), as RFC 9110 allows.
    """
    if not header or len(header) > MAX_RANGE_HEADER:
        return None
    match = RANGE_PATTERN.match(header.strip())
    if not match:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last N bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # invalid, so ignored
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


def recording_etag(recording: Recording) -> str:
    """The strong ETag of a recording's bytes (downloads, and If-Match on the v2 upload)."""
    return f'"{recording.sha256}"'


def entity_tags(header: str) -> tuple[str, ...]:
    """The entity tags of an If-Match / If-None-Match header (`*` included as it is)."""
    return tuple(tag.strip() for tag in header.split(",") if tag.strip())


def _open(recording: Recording):
    try:
        return recording_storage().open(recording.file.name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        logger.error(
            "Integrity error: recording %s has a row but its file %s is missing",
            recording.data_id,
            recording.file.name,
        )
        raise RecordingFileMissing() from None


def _read_range(file, first: int, last: int):
    try:
        file.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = file.read(min(BLOCK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        file.close()


def _offloaded_response(recording: Recording, request: HttpRequest) -> HttpResponseBase | None:
    """Let the front end send the bytes, when a setting says so; None to stream them here.

    Behind nginx (`RECORDINGS_X_ACCEL_PREFIX`), an internal redirect hands the file to nginx
    after this permission check. With object storage (`S3_PRESIGNED_DOWNLOADS`), the client is
    sent to a URL that is valid for a minute. Either way the client never learns a lasting path.
    """
    storage = recording_storage()
    name = recording.file.name
    disposition = content_disposition_header(True, recording.original_name or recording.data_id)
    if settings.RECORDINGS_X_ACCEL_PREFIX:
        try:
            storage.path(name)
        except NotImplementedError:  # object storage: nginx cannot serve it, so stream it
            return None
        if not storage.exists(name):
            _open(recording)  # logs the integrity error and raises RecordingFileMissing
        return HttpResponse(
            headers={
                "X-Accel-Redirect": settings.RECORDINGS_X_ACCEL_PREFIX + quote(name),
                "Content-Disposition": disposition,
                "ETag": recording_etag(recording),
            },
            content_type="application/octet-stream",
        )
    if settings.S3_PRESIGNED_DOWNLOADS and hasattr(storage, "bucket_name"):
        if not storage.exists(name):
            _open(recording)
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": "application/octet-stream",
            },
            expire=settings.S3_PRESIGNED_SECONDS,
        )
        return HttpResponseRedirect(url)
    return None


def recording_file_response(*, recording: Recording, request: HttpRequest) -> HttpResponseBase:
    """The file of `recording` as the response to `request` (GET or HEAD, with Range)."""
    offloaded = _offloaded_response(recording, request)
    if offloaded is not None:
        return offloaded
    file = _open(recording)
    size = file.size
    etag = recording_etag(recording)
    common = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition_header(
            True, recording.original_name or recording.data_id
        ),
    }

    if_none_match = entity_tags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    if "*" in if_none_match or etag in if_none_match:
        file.close()
        return HttpResponse(status=304, headers={"ETag": etag})

    byte_range = _byte_range(request.META.get("HTTP_RANGE"), size)
    if_range = request.META.get("HTTP_IF_RANGE")
    if if_range is not None and if_range.strip() != etag:
        byte_range = None  # the client's partial copy is of another version: send it all

    if byte_range == "unsatisfiable":
        file.close()
        response = HttpResponse(
            b'{"detail":"Requested range not satisfiable."}',
            status=416,
            content_type="application/json",
        )
        response["Content-Range"] = f"bytes */{size}"
        return response

    head = request.method == "HEAD"
    if byte_range is not None:
        first, last = byte_range
        headers = {
            **common,
            "Content-Range": f"bytes {first}-{last}/{size}",
            "Content-Length": str(last - first + 1),
        }
        if head:
            file.close()
            return HttpResponse(
                status=206, headers=headers, content_type="application/octet-stream"
            )
        return StreamingHttpResponse(
            _read_range(file, first, last),
            status=206,
            headers=headers,
            content_type="application/octet-stream",
        )

    if head:
        file.close()
        return HttpResponse(
            headers={**common, "Content-Length": str(size)}, content_type="application/octet-stream"
        )
    response = RecordingFileResponse(file, content_type="application/octet-stream")
    for name, value in common.items():
        response[name] = value
    response["Content-Length"] = str(size)
    return response
