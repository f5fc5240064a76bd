"""One recording: metadata, file download, preview and plots, for every persona."""

import pytest

from audit.models import AuditEvent
from recordings.models import RecordingAnalysis
from tests.api_v2.conftest import analysed, error_code
from tests.factories import make_recording

pytestmark = pytest.mark.django_db

READERS = [("owner", 200), ("other", 404), ("superuser", 200), ("anonymous", 401)]


@pytest.mark.parametrize(("persona", "status"), READERS)
def test_retrieve(v2, recording, persona, status):
    r = v2(persona).get("/api/v2/recordings/D-1")
    assert r.status_code == status
    if status == 200:
        body = r.json()
        assert (body["data_id"], body["size"], body["sha256"]) == (
            "D-1",
            recording.size,
            recording.sha256,
        )
        assert body["analysis"] is None
    if status == 404:
        assert r.json() == v2(persona).get("/api/v2/recordings/NOPE").json()
        assert error_code(r) == "recording_not_found"
        assert AuditEvent.objects.filter(action="access.denied", outcome="denied").exists()


def test_the_patients_owner_reads_a_recording_someone_else_uploaded(
    v2, other_user, patient, device
):
    make_recording(data_id="D-2", uploader=other_user, patient=patient, device=device)
    assert v2("owner").get("/api/v2/recordings/D-2").status_code == 200
    assert v2("other").get("/api/v2/recordings/D-2").status_code == 200


def test_retrieve_shows_the_analysis_summary(v2, ecg_recording):
    analysis = v2("owner").get("/api/v2/recordings/ECG-REAL").json()["analysis"]
    assert analysis["state"] == "done"
    assert (analysis["format"], analysis["sampling_rate"], len(analysis["lead_names"])) == (
        "csv",
        1000.0,
        15,
    )
    assert analysis["mean_bpm"] == pytest.approx(100, abs=3)
    assert analysis["duration_seconds"] == pytest.approx(10.0)


# --- file -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), READERS)
def test_download(v2, recording, persona, status):
    r = v2(persona).get("/api/v2/recordings/D-1/file")
    assert r.status_code == status
    if status == 200:
        assert b"".join(r.streaming_content) == b"0,1\n" * 100
        assert r["ETag"] == f'"{recording.sha256}"'
        assert r["Content-Length"] == "400"
        assert AuditEvent.objects.filter(action="recording.download").count() == 1
    else:
        assert not AuditEvent.objects.filter(action="recording.download").exists()


def test_download_resumes_with_a_range(v2, recording):
    r = v2("owner").get("/api/v2/recordings/D-1/file", headers={"range": "bytes=4-11"})
    assert r.status_code == 206
    assert b"".join(r.streaming_content) == b"0,1\n0,1\n"
    assert r["Content-Range"] == "bytes 4-11/400"


def test_if_range_with_another_version_sends_the_whole_file(v2, recording):
    r = v2("owner").get(
        "/api/v2/recordings/D-1/file", headers={"range": "bytes=4-11", "if-range": '"old"'}
    )
    assert r.status_code == 200


def test_if_none_match_with_the_current_etag_is_304(v2, recording):
    r = v2("owner").get(
        "/api/v2/recordings/D-1/file", headers={"if-none-match": f'"{recording.sha256}"'}
    )
    assert (r.status_code, r.content) == (304, b"")


def test_a_range_past_the_end_is_416_in_the_v2_shape(v2, recording):
    r = v2("owner").get("/api/v2/recordings/D-1/file", headers={"range": "bytes=999-"})
    assert (r.status_code, error_code(r)) == (416, "range_not_satisfiable")
    assert r["Content-Range"] == "bytes */400"


def test_head_sends_headers_only_and_is_not_audited_as_a_download(v2, recording):
    r = v2("owner").head("/api/v2/recordings/D-1/file")
    assert (r.status_code, r.content, r["Content-Length"]) == (200, b"", "400")
    assert not AuditEvent.objects.filter(action="recording.download").exists()


def test_a_missing_file_is_reported_not_crashed(v2, recording):
    from recordings.storage import recording_storage

    recording_storage().delete(recording.file.name)
    r = v2("owner").get("/api/v2/recordings/D-1/file")
    assert (r.status_code, error_code(r)) == (404, "recording_file_missing")


@pytest.mark.parametrize("size", [10, 5_000_000])
def test_download_runs_a_fixed_number_of_queries(
    v2, owner, patient, device, django_assert_num_queries, size
):
    make_recording(
        data_id="BIG", uploader=owner, patient=patient, device=device, content=b"x" * size
    )
    client = v2("owner")
    with django_assert_num_queries(3):  # the session, the recording, the audit event
        r = client.get("/api/v2/recordings/BIG/file")
        assert sum(len(chunk) for chunk in r.streaming_content) == size


def test_a_recording_with_its_analysis_is_read_in_two_queries(
    v2, owner, patient, device, django_assert_num_queries
):
    make_recording(data_id="ONE", uploader=owner, patient=patient, device=device)
    client = v2("owner")
    with django_assert_num_queries(2):  # the session; the recording, uploader and analysis
        r = client.get("/api/v2/recordings/ONE")
    assert r.status_code == 200
    assert r.json()["uploaded_by"] == owner.username


# --- preview and plots ------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), READERS)
def test_preview_keeps_to_the_point_budget(v2, ecg_recording, persona, status):
    r = v2(persona).get("/api/v2/recordings/ECG-REAL/preview?start=2&duration=4&points=100")
    assert r.status_code == status
    if status == 200:
        body = r.json()
        assert (body["start"], body["end"], len(body["leads"])) == (2.0, 6.0, 15)
        assert all(0 < len(lead["min"]) <= 100 for lead in body["leads"])
        assert body["t"][0] <= 2.0 and body["t"][-1] < 6.0


def test_preview_defaults_to_the_whole_recording(v2, ecg_recording):
    body = v2("owner").get("/api/v2/recordings/ECG-REAL/preview").json()
    assert (body["start"], body["end"]) == (0.0, 10.0)
    assert len(body["t"]) <= 1000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("points=0", "points"),
        ("points=1000000", "points"),
        ("start=-1", "start"),
        ("start=nan", "start"),
        ("duration=0", "duration"),
        ("duration=inf", "duration"),
        ("start=10", "start"),  # the recording is 10 s long
    ],
)
def test_preview_parameters_are_bounded(v2, ecg_recording, query, field):
    r = v2("owner").get(f"/api/v2/recordings/ECG-REAL/preview?{query}")
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert field in r.json()["fields"]


@pytest.mark.parametrize("suffix", ["preview", "plot.png", "plot.svg"])
def test_before_the_analysis_is_done_a_retryable_409(v2, recording, suffix):
    RecordingAnalysis.objects.create(recording=recording, sha256=recording.sha256)
    r = v2("owner").get(f"/api/v2/recordings/D-1/{suffix}")
    assert (r.status_code, error_code(r)) == (409, "analysis_pending")


@pytest.mark.parametrize("suffix", ["preview", "plot.png"])
def test_an_unreadable_recording_is_422_with_the_reason(v2, owner, patient, device, suffix):
    garbage = make_recording(
        data_id="BAD", uploader=owner, patient=patient, device=device, content=b"\x89junk\x00" * 50
    )
    analysed(garbage)
    r = v2("owner").get(f"/api/v2/recordings/BAD/{suffix}")
    assert (r.status_code, error_code(r)) == (422, "recording_unreadable")
    assert r.json()["message"]


@pytest.mark.parametrize(("persona", "status"), READERS)
def test_plots(v2, ecg_recording, persona, status):
    png = v2(persona).get("/api/v2/recordings/ECG-REAL/plot.png?start=1")
    assert png.status_code == status
    if status == 200:
        assert png["Content-Type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
        svg = v2(persona).get(
            "/api/v2/recordings/ECG-REAL/plot.svg", headers={"accept": "image/svg+xml"}
        )
        assert svg["Content-Type"] == "image/svg+xml"
        assert b"<svg" in svg.content
