"""GET /api/v2/recordings: visibility, every filter, ordering, cursor pages, fixed query count."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from recordings.models import Recording, RecordingAnalysis
from recordings.selectors import recording_may_read, recordings_visible_to
from tests.api_v2.conftest import error_code
from tests.factories import make_device, make_patient, make_recording

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def data_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["data_id"] for r in response.json()["results"]]


def rows(owner, patient, device, count: int, *, prefix="R", start=T0, step=timedelta(minutes=1)):
    """`count` recordings, one `step` apart, bulk-inserted (no files are read by the list)."""
    Recording.objects.bulk_create(
        Recording(
            data_id=f"{prefix}-{n:03d}",
            device=device,
            device_serial_number=device.serial_number if device else "GONE",
            patient=patient,
            uploaded_by=owner,
            start_time=start + n * step,
            end_time=start + n * step + timedelta(seconds=10),
            file=f"recordings/none/{prefix}-{n}.ecg",
            size=1,
            sha256="0" * 64,
        )
        for n in range(count)
    )


@pytest.fixture
def world(owner, other_user, patient, device):
    """The owner's recording, one the other user made of their own patient, and one the other
    user uploaded for the owner's patient (readable by both)."""
    other_patient = make_patient("P-OTHER", owner=other_user)
    other_device = make_device("ECG-OTHER", users=[other_user])
    make_recording(data_id="MINE", uploader=owner, patient=patient, device=device, start_time=T0)
    make_recording(
        data_id="THEIRS",
        uploader=other_user,
        patient=other_patient,
        device=other_device,
        start_time=T0 + timedelta(hours=1),
    )
    make_recording(
        data_id="FOR-MY-PATIENT",
        uploader=other_user,
        patient=patient,
        device=other_device,
        start_time=T0 + timedelta(hours=2),
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner", ["FOR-MY-PATIENT", "MINE"]),
        ("other", ["FOR-MY-PATIENT", "THEIRS"]),
        ("superuser", ["FOR-MY-PATIENT", "THEIRS", "MINE"]),
    ],
)
def test_list_shows_what_the_caller_may_read_newest_first(v2, world, persona, expected):
    assert data_ids(v2(persona).get("/api/v2/recordings")) == expected


def test_list_needs_a_session(v2, world):
    r = v2("anonymous").get("/api/v2/recordings")
    assert (r.status_code, error_code(r)) == (401, "not_authenticated")


def test_the_query_and_the_predicate_agree(world, owner, other_user, superuser):
    for user in (owner, other_user, superuser):
        visible = set(recordings_visible_to(user=user).values_list("data_id", flat=True))
        readable = {
            r.data_id
            for r in Recording.objects.select_related("patient")
            if recording_may_read(user=user, recording=r)
        }
        assert visible == readable, user


def test_filter_by_patient_and_device(v2, world):
    assert data_ids(v2("owner").get("/api/v2/recordings?patient=P-1")) == [
        "FOR-MY-PATIENT",
        "MINE",
    ]
    assert data_ids(v2("owner").get("/api/v2/recordings?device=ECG-OTHER")) == ["FOR-MY-PATIENT"]
    assert data_ids(v2("owner").get("/api/v2/recordings?patient=P-1&device=ECG-1")) == ["MINE"]
    # Someone else's patient: nothing, exactly like an unknown one.
    assert data_ids(v2("owner").get("/api/v2/recordings?patient=P-OTHER")) == []


def test_filter_by_start_time_range(v2, world):
    after = (T0 + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    before = (T0 + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    r = v2("superuser").get("/api/v2/recordings", {"start_after": after, "start_before": before})
    assert data_ids(r) == ["THEIRS"]
    r = v2("superuser").get("/api/v2/recordings", {"start_after": "2026-12-01T10:00:00"})
    assert len(data_ids(r)) == 3  # no zone: UTC, and the bound is inclusive


def test_filter_by_analysis(v2, world):
    mine = Recording.objects.get(data_id="MINE")
    RecordingAnalysis.objects.create(recording=mine, sha256=mine.sha256, state="done")
    theirs = Recording.objects.get(data_id="FOR-MY-PATIENT")
    RecordingAnalysis.objects.create(recording=theirs, sha256=theirs.sha256, state="pending")
    assert data_ids(v2("owner").get("/api/v2/recordings?has_analysis=true")) == ["MINE"]
    assert data_ids(v2("owner").get("/api/v2/recordings?has_analysis=false")) == ["FOR-MY-PATIENT"]


def test_oldest_first_on_request(v2, world):
    assert data_ids(v2("owner").get("/api/v2/recordings?ordering=start_time")) == [
        "MINE",
        "FOR-MY-PATIENT",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "start_after=yesterday",
        "start_before=2026-13-01T00:00:00",
        # Valid ISO 8601, but past what UTC (and every database) can hold.
        "start_before=9999-12-31T23:59:59-10:00",
        "start_after=0001-01-01T00:00:00%2B10:00",
        "start_after=1066-10-14T09:00:00Z",
        "has_analysis=maybe",
    ],
)
def test_a_bad_filter_value_names_the_field(v2, world, query):
    r = v2("owner").get(f"/api/v2/recordings?{query}")
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert query.split("=")[0] in r.json()["fields"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.b64encode(b"p=not-a-time").decode(),
        base64.b64encode(b"p=2026-12-01 10:00:00").decode(),  # no zone
        base64.b64encode(b"o=-5").decode(),
        base64.b64encode(b"p=9999-12-31T23:59:59-10:00&i=1").decode(),  # overflows in UTC
    ],
)
def test_a_tampered_cursor_is_a_validation_error(v2, world, cursor):
    r = v2("owner").get("/api/v2/recordings", {"cursor": cursor})
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert r.json()["fields"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize("ordering", ["-start_time", "start_time"])
def test_pages_cover_every_row_once_in_both_directions(v2, owner, patient, device, ordering):
    # Ties on start_time included: the id breaks them.
    rows(owner, patient, device, 45, step=timedelta(seconds=1))
    rows(owner, patient, device, 12, prefix="TIE", start=T0 + timedelta(hours=5), step=timedelta(0))
    forward, url, pages = [], f"/api/v2/recordings?page_size=10&ordering={ordering}", []
    while url:
        body = v2("owner").get(url).json()
        pages.append(body)
        forward += [r["data_id"] for r in body["results"]]
        url = body["next"]
    assert len(forward) == len(set(forward)) == 57
    expected = list(
        Recording.objects.order_by(ordering, ordering.replace("start_time", "id")).values_list(
            "data_id", flat=True
        )
    )
    assert forward == expected
    # And back again from the last page through `previous`.
    backward, url = [], pages[-1]["previous"]
    while url:
        body = v2("owner").get(url).json()
        backward = [r["data_id"] for r in body["results"]] + backward
        url = body["previous"]
    assert backward + [r["data_id"] for r in pages[-1]["results"]] == expected


@pytest.mark.parametrize("size", [1, 60])
def test_list_runs_two_queries_however_many_rows(
    v2, owner, patient, device, django_assert_num_queries, size
):
    rows(owner, patient, device, size)
    for recording in Recording.objects.all()[:5]:
        RecordingAnalysis.objects.create(recording=recording, sha256="0" * 64, state="done")
    client = v2("owner")
    with django_assert_num_queries(2):  # the session, one page joined to patient/uploader/analysis
        r = client.get("/api/v2/recordings?patient=P-1")
    assert len(r.json()["results"]) == min(size, 50)


def test_the_summary_is_in_the_list(v2, world):
    mine = Recording.objects.get(data_id="MINE")
    RecordingAnalysis.objects.create(
        recording=mine, sha256=mine.sha256, state="done", mean_bpm=72.0, lead_names=["I", "II"]
    )
    item = v2("owner").get("/api/v2/recordings?patient=P-1&device=ECG-1").json()["results"][0]
    assert item["analysis"]["mean_bpm"] == 72.0
    assert item["analysis"]["lead_names"] == ["I", "II"]
    assert item["etag"] == f'"{mine.sha256}"'
    assert (item["patient"], item["device"], item["uploaded_by"]) == ("P-1", "ECG-1", "owner")


def test_the_device_filter_still_finds_recordings_of_a_deleted_device(v2, world, device):
    """The list shows the serial a recording was uploaded with; the filter finds it by that."""
    assert v2("owner").delete(f"/api/v2/devices/{device.serial_number}").status_code == 204
    listed = v2("owner").get("/api/v2/recordings").json()["results"]
    assert {r["device"] for r in listed if r["data_id"] == "MINE"} == {device.serial_number}
    assert data_ids(v2("owner").get(f"/api/v2/recordings?device={device.serial_number}")) == [
        "MINE"
    ]
