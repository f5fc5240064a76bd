"""IncomingRecordingFile's writer thread: same bytes and digests, errors surface, nothing leaks."""

import gc
import hashlib
import threading
import time

import pytest

from recordings.uploads import WRITE_AHEAD_CHUNKS, IncomingRecordingFile

CHUNKS = [bytes([n]) * 300_000 for n in range(7)]


@pytest.fixture
def incoming(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    def files() -> list:
        return list(tmp_path.rglob("*.part"))

    return files


def writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "recording-upload-writer"]


def wait_until(condition, seconds=5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def new_upload(want_md5=True) -> IncomingRecordingFile:
    return IncomingRecordingFile(
        "rec.bin", "application/octet-stream", None, None, want_md5=want_md5
    )


def test_many_chunks_arrive_whole_and_in_order_with_their_digests(incoming):
    upload = new_upload()
    for chunk in CHUNKS:
        upload.append(chunk)
    upload.flush()
    whole = b"".join(CHUNKS)
    with open(upload.temporary_file_path(), "rb") as f:
        assert f.read() == whole
    assert upload.sha256.hexdigest() == hashlib.sha256(whole).hexdigest()
    assert upload.md5.hexdigest() == hashlib.md5(whole).hexdigest()  # noqa: S324
    upload.discard()
    assert incoming() == []
    assert wait_until(lambda: not writer_threads())


def test_a_write_error_on_the_writer_thread_surfaces_at_flush(incoming):
    upload = new_upload()
    upload.append(CHUNKS[0])  # written inline

    def disk_full(chunk):
        raise OSError(28, "No space left on device")

    upload.file.write = disk_full
    upload.append(CHUNKS[1])  # queued: fails on the writer thread
    with pytest.raises(OSError, match="No space left"):
        upload.flush()
    upload.discard()
    assert incoming() == []
    assert wait_until(lambda: not writer_threads())


def test_an_upload_dropped_without_discard_stops_its_thread_and_leaves_no_file(incoming):
    upload = new_upload()
    for chunk in CHUNKS[:3]:
        upload.append(chunk)
    assert writer_threads()
    del upload
    gc.collect()
    assert wait_until(lambda: not writer_threads())
    gc.collect()
    assert wait_until(lambda: incoming() == [])


def test_a_dropped_upload_collected_on_its_own_writer_thread_does_not_hang(incoming):
    """The finalizer may run on the writer itself; it must not wait for its own thread."""
    upload = new_upload()
    upload.cycle = upload  # only the cyclic collector can free it, on whatever thread runs it
    upload.append(CHUNKS[0])
    writing, proceed = threading.Event(), threading.Event()
    write_to_disk = upload.file.file.write

    def write_then_collect(chunk):
        writing.set()
        proceed.wait(5)
        gc.collect()  # a collection that happens to run on the writer thread
        return write_to_disk(chunk)

    upload.file.write = write_then_collect
    for chunk in CHUNKS[1 : 2 + WRITE_AHEAD_CHUNKS]:  # one being written, a full queue behind
        upload.append(chunk)
    assert writing.wait(5)
    gc.disable()  # only the writer's own collection may free the upload
    try:
        del upload
        proceed.set()
        assert wait_until(lambda: not writer_threads())
    finally:
        gc.enable()
