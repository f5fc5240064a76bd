"""Two uploads racing on one data_id end with one recording and one file, never two, never none."""

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

import recordings.services as services
from recordings.errors import RecordingExists
from recordings.models import Recording
from recordings.storage import recording_storage
from recordings.uploads import IncomingRecordingFile
from tests.factories import make_device, make_patient, make_user

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 12, 1, 10, tzinfo=UTC)


def incoming(content: bytes) -> IncomingRecordingFile:
    upload = IncomingRecordingFile("race.csv", "text/csv", None, None, want_md5=False)
    upload.append(content)
    upload.flush()
    upload.seek(0)
    upload.size = len(content)
    return upload


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "recordings"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def world(db):
    user = make_user("racer")
    device = make_device("ECG-R", users=[user])
    make_patient("P-R", owner=user, devices=[device])
    return user


def race(user, monkeypatch, *, overwrite: bool):
    """Both uploads store their file, then meet, then both try to create the row."""
    barrier = threading.Barrier(2, timeout=20)
    real_store_file = services._store_file

    def store_then_wait(upload):
        name = real_store_file(upload)
        barrier.wait()
        return name

    monkeypatch.setattr(services, "_store_file", store_then_wait)
    outcomes: list[object] = []

    def upload(content: bytes) -> None:
        try:
            _, overwritten = services.recording_store(
                uploader=user,
                data_id="RACE-1",
                device_serial_number="ECG-R",
                patient_number="P-R",
                upload=incoming(content),
                start_time=START,
                end_time=START,
                overwrite=overwrite,
            )
            outcomes.append("overwritten" if overwritten else "created")
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=upload, args=(content,)) for content in (b"first", b"second")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_racing_new_uploads_leave_one_row_and_one_file(world, monkeypatch, settings):
    outcomes = race(world, monkeypatch, overwrite=False)
    assert sorted(map(type, outcomes), key=str) == sorted([str, RecordingExists], key=str), outcomes
    assert "created" in outcomes
    recording = Recording.objects.get()
    assert stored_files(settings) == [recording_storage().path(recording.file.name)]
    with recording_storage().open(recording.file.name) as f:
        assert f.read() in (b"first", b"second")


def test_racing_overwrites_leave_one_row_and_one_file(world, monkeypatch, settings):
    outcomes = race(world, monkeypatch, overwrite=True)
    assert sorted(outcomes) == ["created", "overwritten"], outcomes
    recording = Recording.objects.get()
    assert stored_files(settings) == [recording_storage().path(recording.file.name)]
