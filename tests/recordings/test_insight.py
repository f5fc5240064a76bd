"""Uploads are understood in the background: format, metadata, heart rate, preview and plot."""

from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from recordings.insight import recording_plot, recording_preview
from recordings.models import Recording, RecordingAnalysis
from tests.conftest import PTB_CSV
from tests.factories import upload_fields

pytestmark = pytest.mark.django_db


def upload(api, token, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/post_data", upload_fields(token, **fields))
    assert r.status_code == 200, r.content
    return Recording.objects.get(data_id=fields.get("data_id", "D-1"))


def run_worker():
    """Run the queued tasks the way db_worker does, in this test's transaction."""
    from django_tasks_db.models import DBTaskResult

    for queued in DBTaskResult.objects.ready():
        result = queued.task_result
        queued.set_successful(queued.task.call(*result.args, **result.kwargs))


def test_the_upload_returns_before_analysis_and_the_worker_fills_it_in(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    recording = upload(
        api,
        owner_token,
        django_capture_on_commit_callbacks,
        content=PTB_CSV.read_bytes(),
        sampling_rate="1000",
    )
    assert recording.analysis.state == RecordingAnalysis.PENDING
    run_worker()
    analysis = RecordingAnalysis.objects.get(recording=recording)
    assert analysis.state == RecordingAnalysis.DONE, analysis.reason
    assert (analysis.format, analysis.sampling_rate, len(analysis.lead_names)) == (
        "csv",
        1000.0,
        15,
    )
    assert analysis.sample_count == 10_000 and analysis.duration_seconds == pytest.approx(10.0)
    assert analysis.mean_bpm == pytest.approx(100, abs=3)
    assert analysis.min_bpm <= analysis.mean_bpm <= analysis.max_bpm
    assert (analysis.algorithm, analysis.algorithm_version) == ("pan-tompkins-multilead", "1.0.0")
    assert analysis.sha256 == recording.sha256


def test_a_dicom_ecg_is_recognised_from_its_bytes(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    content = Path(get_testdata_file("waveform_ecg.dcm")).read_bytes()
    recording = upload(
        api, owner_token, django_capture_on_commit_callbacks, content=content, name="no-extension"
    )
    run_worker()
    analysis = RecordingAnalysis.objects.get(recording=recording)
    assert (analysis.state, analysis.format, len(analysis.lead_names)) == ("done", "dicom", 12)
    assert analysis.mean_bpm == pytest.approx(61, abs=2)


def test_an_unreadable_file_is_kept_and_marked_with_the_reason(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    garbage = b"\x89this is not an ECG at all\x00\xff" * 100
    recording = upload(
        api, owner_token, django_capture_on_commit_callbacks, content=garbage, name="x.csv"
    )
    run_worker()
    analysis = RecordingAnalysis.objects.get(recording=recording)
    assert analysis.state == RecordingAnalysis.UNREADABLE
    assert analysis.reason
    r = api.get_json("/api/get_data", {"session_id": owner_token, "data_id": "D-1"})
    assert b"".join(r.streaming_content) == garbage


def test_an_overwrite_is_analysed_again(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    upload(api, owner_token, django_capture_on_commit_callbacks, content=b"not ecg" * 50)
    run_worker()
    assert RecordingAnalysis.objects.get().state == RecordingAnalysis.UNREADABLE
    recording = upload(
        api,
        owner_token,
        django_capture_on_commit_callbacks,
        content=PTB_CSV.read_bytes(),
        sampling_rate="1000",
        overwrite="true",
    )
    assert RecordingAnalysis.objects.get().state == RecordingAnalysis.PENDING
    run_worker()
    analysis = RecordingAnalysis.objects.get()
    assert (analysis.state, analysis.sha256) == ("done", recording.sha256)


def test_preview_keeps_to_the_point_budget_and_the_plot_renders(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    recording = upload(
        api,
        owner_token,
        django_capture_on_commit_callbacks,
        content=PTB_CSV.read_bytes(),
        sampling_rate="1000",
    )
    run_worker()
    recording.refresh_from_db()
    window = recording_preview(recording=recording, start_s=0, end_s=10, max_points=300)
    assert window["leads"] and all(len(lead["min"]) <= 300 for lead in window["leads"])
    png = recording_plot(recording=recording, image_format="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert recording_plot(recording=recording, image_format="svg").lstrip().startswith(b"<")


def test_admin_shows_duration_heart_rate_summary_and_plot(
    client, superuser, api, owner_token, patient, django_capture_on_commit_callbacks
):
    from tests.conftest import verified_admin_client

    recording = upload(
        api,
        owner_token,
        django_capture_on_commit_callbacks,
        content=PTB_CSV.read_bytes(),
        sampling_rate="1000",
    )
    run_worker()
    admin = verified_admin_client(client, superuser)
    listing = admin.get("/admin/recordings/recording/")
    row = listing.content[listing.content.find(b"D-1") :][:3000]
    assert b"10.0 s" in row and b"bpm" in row, row
    page = admin.get(f"/admin/recordings/recording/{recording.pk}/change/")
    assert b"CSV" in page.content and b"1000 Hz" in page.content and b"plot.png" in page.content
    image = admin.get(f"/admin/recordings/recording/{recording.pk}/plot.png")
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")


def _edf_bytes(tmp_path) -> bytes:
    from ecg.synthetic import write_edf

    return write_edf(
        tmp_path / "r.edf", seconds=10, sampling_rate=250, lead_count=2, bpm=72
    ).read_bytes()


def _wfdb_zip_bytes(tmp_path) -> bytes:
    from ecg.synthetic import synthetic_ecg, write_wfdb_zip

    samples = synthetic_ecg(0, 2500, sampling_rate=250, lead_count=2, bpm=72)
    return write_wfdb_zip(tmp_path / "r.zip", samples, sampling_rate=250).read_bytes()


@pytest.mark.parametrize("kind", ["edf", "wfdb-zip", "dicom", "csv"])
def test_readable_formats_are_analysed_and_their_corrupt_versions_stored_and_marked(
    api, owner_token, patient, django_capture_on_commit_callbacks, tmp_path, kind
):
    good = {
        "edf": lambda: _edf_bytes(tmp_path),
        "wfdb-zip": lambda: _wfdb_zip_bytes(tmp_path),
        "dicom": lambda: Path(get_testdata_file("waveform_ecg.dcm")).read_bytes(),
        "csv": lambda: PTB_CSV.read_bytes(),
    }[kind]()
    corrupt = good[: len(good) // 3] if kind != "csv" else b"1,2,3\n4,five,6\n" + good[:200]
    upload(
        api,
        owner_token,
        django_capture_on_commit_callbacks,
        content=good,
        data_id="GOOD",
        sampling_rate="250",
    )
    upload(api, owner_token, django_capture_on_commit_callbacks, content=corrupt, data_id="BAD")
    run_worker()
    states = dict(RecordingAnalysis.objects.values_list("recording__data_id", "state"))
    assert states == {"GOOD": "done", "BAD": "unreadable"}
    assert RecordingAnalysis.objects.get(recording__data_id="GOOD").format == kind.split("-")[0]
    assert RecordingAnalysis.objects.get(recording__data_id="BAD").reason
    r = api.get_json("/api/get_data", {"session_id": owner_token, "data_id": "BAD"})
    assert b"".join(r.streaming_content) == corrupt


def test_the_task_row_is_written_in_the_upload_transaction(
    api, owner_token, patient, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False):
        r = api.post("/api/post_data", upload_fields(owner_token))
    assert r.status_code == 200
    assert DBTaskResult.objects.count() == 1  # queued before any commit callback ran


def test_another_task_backend_hears_of_an_upload_only_after_the_commit(
    api, owner_token, patient, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api.post("/api/post_data", upload_fields(owner_token))
    assert r.status_code == 200
    assert default_task_backend.results == []
    for callback in callbacks:
        callback()
    assert len(default_task_backend.results) == 1
