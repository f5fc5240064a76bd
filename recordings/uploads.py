"""Streaming receipt of uploaded recordings.

The multipart parser hands the file to `RecordingUploadHandler` chunk by chunk; each chunk is
written to a temporary file beside the storage and fed to SHA-256 (and MD5 when the client sent a
Content-MD5), so the file is never held in memory and its digest is known when the body ends.
A raw upload (the clinician API's PUT) skips the parser: `recording_receive_raw` copies the body
into the same kind of file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import tempfile
import threading
import weakref

from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import UnreadablePostError

from recordings.errors import RecordingTooLarge, StorageUnavailable, UploadTruncated
from recordings.storage import incoming_directory

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024


# Chunks waiting for the writer thread, at most: bounds an upload's memory to a few MiB.
WRITE_AHEAD_CHUNKS = 4


def _write_and_hash(file, digests, chunk: bytes) -> None:
    file.write(chunk)
    for digest in digests:
        digest.update(chunk)


class _ChunkWriter:
    """Writes and hashes queued chunks on a thread of its own.

    It holds the file and the digests, never the `IncomingRecordingFile`, so an upload that is
    dropped without being closed is still collected; its finalizer stops this thread, and the
    temporary file is then removed as any unreferenced NamedTemporaryFile is.
    """

    def __init__(self, file, digests):
        self.file, self.digests = file, digests
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=WRITE_AHEAD_CHUNKS)
        self.error: BaseException | None = None
        self.stopped = self.abandoned = False
        self.thread = threading.Thread(
            target=self._run, name="recording-upload-writer", daemon=True
        )
        self.thread.start()

    def put(self, chunk: bytes) -> None:
        self.chunks.put(chunk)

    def _run(self) -> None:
        while not self.abandoned and (chunk := self.chunks.get()) is not None:
            if self.error is None:  # after a failure, only drain until told to stop
                try:
                    _write_and_hash(self.file, self.digests, chunk)
                except BaseException as exc:
                    self.error = exc

    def stop(self) -> None:
        """Wait until every queued chunk is written (or dropped after an error); idempotent."""
        if self.stopped:
            return
        self.stopped = True
        if threading.current_thread() is self.thread:
            # The finalizer of a dropped upload, run by a garbage collection that happened on
            # this very thread: it cannot wait for itself, so it only tells the loop to end.
            self.abandoned = True
            return
        self.chunks.put(None)
        self.thread.join()


class IncomingRecordingFile(TemporaryUploadedFile):
    """An upload in progress: a temporary file in the storage's incoming folder, with digests.

    From the second chunk on, a writer thread hashes and writes while the request thread reads
    and parses the next chunk: hashlib and file writes release the GIL, so a large upload uses
    two cores (about a third faster at 100 MB). A one-chunk upload never starts the thread.
    A write error surfaces at the next `append()` or at `flush()`, which waits for the writer.
    """

    def __init__(
        self, name: str, content_type: str, charset, content_type_extra, *, want_md5: bool
    ):
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by Django or by cleanup())
            prefix="upload-", suffix=".part", dir=incoming_directory()
        )
        UploadedFile.__init__(self, file, name, content_type, 0, charset, content_type_extra)
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False) if want_md5 else None
        self._writer: _ChunkWriter | None = None
        self._write_error: BaseException | None = None
        self._appended = 0

    def _digests(self) -> list:
        return [self.sha256] if self.md5 is None else [self.sha256, self.md5]

    def append(self, chunk: bytes) -> None:
        self._raise_write_error()
        self._appended += 1
        if self._appended == 1:
            _write_and_hash(self.file, self._digests(), chunk)
            return
        if self._writer is None:
            self._writer = _ChunkWriter(self.file, self._digests())
            weakref.finalize(self, self._writer.stop)
        self._writer.put(chunk)

    def _stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._write_error = self._write_error or self._writer.error
            self._writer = None

    def _raise_write_error(self) -> None:
        error = self._write_error or (self._writer.error if self._writer else None)
        if error is not None:
            raise error

    def flush(self) -> None:
        """Wait until every appended chunk is written and hashed, then flush the file."""
        self._stop_writer()
        self._raise_write_error()
        self.file.flush()

    def close(self) -> None:
        self._stop_writer()
        super().close()

    def discard(self) -> None:
        """Close and remove the temporary file, if it was not stored."""
        self._stop_writer()
        path = self.temporary_file_path()
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


class RecordingUploadHandler(FileUploadHandler):
    """Streams the uploaded file to disk, hashing it and enforcing the size limit as it comes."""

    chunk_size = CHUNK_SIZE

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.files: list[IncomingRecordingFile] = []
        self.input_data, self.declared_body_length = None, 0
        self.want_md5 = bool(request and request.META.get("HTTP_CONTENT_MD5"))

    def handle_raw_input(self, input_data, meta, content_length, boundary, encoding=None) -> None:
        self.input_data, self.declared_body_length = input_data, content_length

    def upload_complete(self) -> None:
        # A body shorter than its Content-Length was cut off in transit, even when the multipart
        # framing happens to look complete: refuse it rather than store what arrived.
        # The parser reads the Django request, whose LimitedStream counts the bytes received.
        stream = getattr(self.input_data, "_stream", self.input_data)
        received = getattr(stream, "_pos", None)
        if (
            received is not None
            and self.declared_body_length
            and received < self.declared_body_length
        ):
            self.cleanup()
            raise UploadTruncated()

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        try:
            self.file = IncomingRecordingFile(
                self.file_name,
                self.content_type,
                self.charset,
                self.content_type_extra,
                want_md5=self.want_md5,
            )
        except OSError as exc:
            logger.error("Cannot create an upload file: %s", exc)
            raise StorageUnavailable() from exc
        self.files.append(self.file)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if start + len(raw_data) > self.max_bytes:
            self.cleanup()
            raise RecordingTooLarge(self.max_bytes)
        try:
            self.file.append(raw_data)
        except OSError as exc:  # disk full, read-only file system
            logger.error("Cannot write an upload: %s", exc)
            self.cleanup()
            raise StorageUnavailable() from exc
        return None

    def file_complete(self, file_size: int) -> IncomingRecordingFile:
        try:
            self.file.flush()
        except OSError as exc:
            self.cleanup()
            raise StorageUnavailable() from exc
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Remove every temporary file this request created that was not stored."""
        for incoming in self.files:
            incoming.discard()


def recording_receive_raw(
    stream, *, length: int, name: str, content_type: str, want_md5: bool
) -> IncomingRecordingFile:
    """Copy a request body of `length` bytes into an `IncomingRecordingFile`, hashing as it goes.

    The caller has checked `length` against the size limit, and discards the file when done.
    A body that ends early is `UploadTruncated`; a disk that refuses it, `StorageUnavailable`.
    Either way nothing is left behind.
    """
    try:
        upload = IncomingRecordingFile(name, content_type, None, None, want_md5=want_md5)
    except OSError as exc:
        logger.error("Cannot create an upload file: %s", exc)
        raise StorageUnavailable() from exc
    try:
        received = 0
        while received < length:
            try:
                chunk = stream.read(min(CHUNK_SIZE, length - received))
            except UnreadablePostError:  # the client went away mid-body
                chunk = b""
            if not chunk:
                raise UploadTruncated()
            try:
                upload.append(chunk)
            except OSError as exc:
                logger.error("Cannot write an upload: %s", exc)
                raise StorageUnavailable() from exc
            received += len(chunk)
        try:
            upload.flush()
        except OSError as exc:
            raise StorageUnavailable() from exc
    except BaseException:
        upload.discard()
        raise
    upload.seek(0)
    upload.size = received
    return upload
