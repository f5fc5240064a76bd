from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from recordings.storage import incoming_directory, recording_storage
from tests.factories import make_recording

pytestmark = pytest.mark.django_db


def verify(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_recordings", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


@pytest.fixture
def recordings(owner, patient, device):
    return [
        make_recording(
            data_id=f"D-{n}",
            uploader=owner,
            patient=patient,
            device=device,
            content=f"ecg {n}".encode(),
        )
        for n in range(3)
    ]


def test_healthy_storage_exits_zero(recordings):
    code, out = verify()
    assert code == 0
    assert (
        "Checked 3 recording(s): 0 missing, 0 corrupt, 0 stray file(s), 0 abandoned upload(s), 0 removed."
        in out
    )


def test_reports_missing_corrupt_and_stray_files(recordings, settings):
    storage = recording_storage()
    storage.delete(recordings[0].file.name)
    Path(storage.path(recordings[1].file.name)).write_bytes(b"tampered")
    stray = storage.save("recordings/2026/01/01/orphan.ecg", ContentFile(b"x"))
    code, out = verify()
    assert code == 1
    assert "MISSING  D-0" in out
    assert "CORRUPT  D-1" in out
    assert f"STRAY    {stray}: no recording refers to it (kept)" in out


def test_fix_removes_old_strays_and_abandoned_uploads_but_spares_fresh_ones(recordings):
    storage = recording_storage()
    stray = storage.save("recordings/2026/01/01/orphan.ecg", ContentFile(b"x"))
    abandoned = Path(incoming_directory()) / "upload-killed.part"
    abandoned.write_bytes(b"half an upload")

    code, out = verify("--fix")  # both are fresh: spared, still reported
    assert code == 1
    assert storage.exists(stray) and abandoned.exists()

    code, out = verify("--fix", "--stale-after", "0")
    assert code == 0
    assert not storage.exists(stray)
    assert not abandoned.exists()
    assert "(removed)" in out
    code, _ = verify()
    assert code == 0
