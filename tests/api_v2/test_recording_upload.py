"""PUT /api/v2/recordings/<data_id>: the raw body is the file; conditional and all-or-nothing."""

import base64
import hashlib
import io
from datetime import UTC, datetime

import pytest
from django.core.handlers.wsgi import LimitedStream
from django.test import Client, RequestFactory

from audit.models import AuditEvent
from recordings.api import RecordingDetailView
from recordings.errors import RecordingVersionMismatch
from recordings.models import Recording
from recordings.services import ANY_VERSION, recording_store
from recordings.uploads import recording_receive_raw
from tests.api_v2.conftest import PERSONAS, error_code
from tests.factories import ResetMidway, make_device, make_patient, make_recording

pytestmark = pytest.mark.django_db

CONTENT = b"0.1,0.2\n0.3,0.4\n" * 64
QUERY = "patient=P-1&device=ECG-1&start_time=2026-12-01T10:00:00Z&end_time=2026-12-01T10:00:10Z"


def put(client: Client, data_id="D-1", body=CONTENT, query=QUERY, content_type="text/csv", **kw):
    return client.put(
        f"/api/v2/recordings/{data_id}?{query}", body, content_type=content_type, **kw
    )


def etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()}"'


def stored_bytes(data_id="D-1") -> bytes:
    recording = Recording.objects.get(data_id=data_id)
    with recording.file.open("rb") as file:
        return file.read()


def assert_nothing_stored(media_files):
    assert not Recording.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_create(v2, patient, persona, media_files):
    r = put(v2(persona))
    expected = {"owner": 201, "other": 400, "superuser": 201, "anonymous": 401}[persona]
    assert r.status_code == expected
    if expected != 201:
        if persona == "other":  # someone else's patient and device
            assert error_code(r) == "recording_target_invalid"
        assert_nothing_stored(media_files)
        return
    assert r["ETag"] == etag(CONTENT)
    assert r["Location"] == "http://testserver/api/v2/recordings/D-1"
    body = r.json()
    assert (body["size"], body["sha256"], body["content_type"]) == (
        len(CONTENT),
        hashlib.sha256(CONTENT).hexdigest(),
        "text/csv",
    )
    assert body["analysis"]["state"] == "pending"
    assert stored_bytes() == CONTENT
    assert [f for f in media_files() if not f.startswith("recordings/")] == []
    assert AuditEvent.objects.filter(action="recording.upload", object_id="D-1").exists()


def test_a_multipart_body_is_stored_as_it_is_never_parsed(v2, patient):
    body = b'--xx\r\nContent-Disposition: form-data; name="File"\r\n\r\nabc\r\n--xx--\r\n'
    r = put(v2("owner"), body=body, content_type="multipart/form-data; boundary=xx")
    assert r.status_code == 201
    assert stored_bytes() == body


def test_the_upload_is_analysed_after_the_commit(v2, patient, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        put(v2("owner"))
    assert DBTaskResult.objects.count() == 1


def test_an_existing_recording_is_not_replaced_without_if_match(v2, patient, media_files):
    put(v2("owner"))
    before = media_files()
    r = put(v2("owner"), body=b"new bytes")
    assert (r.status_code, error_code(r)) == (428, "precondition_required")
    assert stored_bytes() == CONTENT
    assert media_files() == before


def test_if_match_with_the_current_etag_replaces_it(
    v2, patient, media_files, django_capture_on_commit_callbacks
):
    put(v2("owner"))
    old_files = media_files()
    with django_capture_on_commit_callbacks(execute=True):
        r = put(v2("owner"), body=b"1,2\n", headers={"if-match": etag(CONTENT)})
    assert r.status_code == 200
    assert r["ETag"] == etag(b"1,2\n")
    assert stored_bytes() == b"1,2\n"
    assert len(media_files()) == len(old_files)  # the old file went after the commit
    assert set(media_files()) != set(old_files)
    assert AuditEvent.objects.filter(action="recording.overwrite").exists()


def test_if_match_star_replaces_any_existing_version(v2, patient):
    put(v2("owner"))
    assert put(v2("owner"), body=b"x", headers={"if-match": "*"}).status_code == 200


@pytest.mark.parametrize("if_match", ['"0000"', f"W/{etag(CONTENT)}", "*"])
def test_if_match_that_does_not_hold_is_412_and_changes_nothing(v2, patient, media_files, if_match):
    if if_match != "*":
        put(v2("owner"))
    before = media_files()
    r = put(v2("owner"), body=b"replacement", headers={"if-match": if_match})
    assert (r.status_code, error_code(r)) == (412, "precondition_failed")
    assert media_files() == before
    if if_match != "*":  # If-Match: * on a recording that does not exist creates nothing
        assert stored_bytes() == CONTENT
    else:
        assert not Recording.objects.exists()


def test_if_none_match_star_creates_only(v2, patient):
    assert put(v2("owner"), headers={"if-none-match": "*"}).status_code == 201
    r = put(v2("owner"), body=b"other", headers={"if-none-match": "*"})
    assert (r.status_code, error_code(r)) == (412, "precondition_failed")
    assert stored_bytes() == CONTENT


def test_the_store_service_refuses_a_version_that_is_no_longer_current(
    v2, owner, patient, media_files
):
    """If-Match held when the request started, but another upload won the race meanwhile."""
    put(v2("owner"))
    checked_version = Recording.objects.get().sha256
    put(v2("owner"), body=b"a newer version", headers={"if-match": etag(CONTENT)})
    files = media_files()
    upload = recording_receive_raw(
        io.BytesIO(b"stale"), length=5, name="x", content_type="text/csv", want_md5=False
    )
    recording = Recording.objects.get()
    with pytest.raises(RecordingVersionMismatch):
        recording_store(
            uploader=owner,
            data_id="D-1",
            device_serial_number="ECG-1",
            patient_number="P-1",
            upload=upload,
            start_time=recording.start_time,
            end_time=recording.end_time,
            overwrite=True,
            replaces_sha256=checked_version,
        )
    upload.discard()
    assert stored_bytes() == b"a newer version"
    assert media_files() == files


def test_only_the_uploader_may_replace_it(v2, owner, patient, superuser):
    put(v2("owner"))
    r = put(v2("superuser"), body=b"x", headers={"if-match": etag(CONTENT)})
    assert (r.status_code, error_code(r)) == (409, "recording_exists")
    assert stored_bytes() == CONTENT


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"if-match": "*"},
        {"if-match": etag(CONTENT)},
        {"if-match": etag(b"a guess")},
        {"if-none-match": "*"},
        {"if-none-match": etag(CONTENT)},
        {"if-none-match": etag(b"a guess")},
    ],
)
def test_another_users_recording_answers_the_same_whatever_the_conditions(
    v2, owner, other_user, patient, headers
):
    """Its existence cannot be hidden (data_ids are global), but neither its version nor its
    owner leaks: no answer depends on whether a guessed ETag is right."""
    put(v2("owner"))
    make_device("ECG-OTHER", users=[other_user])
    make_patient("P-OTHER", owner=other_user)
    query = QUERY.replace("P-1", "P-OTHER").replace("ECG-1", "ECG-OTHER")
    r = put(v2("other"), body=b"x", query=query, headers=headers)
    assert (r.status_code, error_code(r)) == (409, "recording_exists")
    assert stored_bytes() == CONTENT
    denied = AuditEvent.objects.filter(action="access.denied", actor=other_user).get()
    assert denied.detail["data_id"] == "D-1"


def test_if_match_any_refuses_when_the_recording_vanished_meanwhile(owner, patient, media_files):
    """`If-Match: *` promised an existing version; a row deleted during the upload is a 412."""
    upload = recording_receive_raw(
        io.BytesIO(b"late"), length=4, name="x", content_type="text/csv", want_md5=False
    )
    with pytest.raises(RecordingVersionMismatch):
        recording_store(
            uploader=owner,
            data_id="GONE",
            device_serial_number="ECG-1",
            patient_number="P-1",
            upload=upload,
            start_time=datetime(2026, 12, 1, 10, tzinfo=UTC),
            end_time=datetime(2026, 12, 1, 10, 1, tzinfo=UTC),
            overwrite=True,
            replaces_sha256=ANY_VERSION,
        )
    upload.discard()
    assert not Recording.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize(
    "headers_or_query",
    [
        {"digest": "sha-256=" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()},
        {
            "repr-digest": "sha-256=:"
            + base64.b64encode(hashlib.sha256(b"x").digest()).decode()
            + ":"
        },
        {"content-md5": base64.b64encode(hashlib.md5(b"x").digest()).decode()},  # noqa: S324
        "sha256=" + hashlib.sha256(b"other").hexdigest(),
    ],
)
def test_a_checksum_mismatch_stores_nothing(v2, patient, media_files, headers_or_query):
    if isinstance(headers_or_query, str):
        r = put(v2("owner"), query=f"{QUERY}&{headers_or_query}")
    else:
        r = put(v2("owner"), headers=headers_or_query)
    assert (r.status_code, error_code(r)) == (400, "checksum_mismatch")
    assert_nothing_stored(media_files)


def test_matching_checksums_are_accepted(v2, patient):
    digest = base64.b64encode(hashlib.sha256(CONTENT).digest()).decode()
    r = put(
        v2("owner"),
        query=f"{QUERY}&sha256={hashlib.sha256(CONTENT).hexdigest()}",
        headers={"repr-digest": f"sha-256=:{digest}:", "digest": f"sha-256={digest}"},
    )
    assert r.status_code == 201


def test_a_malformed_digest_is_refused_not_ignored(v2, patient, media_files):
    r = put(v2("owner"), headers={"digest": "sha-256=not base64!"})
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert "Digest" in r.json()["fields"]
    assert_nothing_stored(media_files)


def test_too_large_is_refused_from_content_length_before_reading(
    v2, patient, settings, media_files
):
    settings.RECORDING_MAX_BYTES = 100
    r = put(v2("owner"))
    assert (r.status_code, error_code(r)) == (413, "recording_too_large")
    assert_nothing_stored(media_files)


def send_body(token: str, body_stream, declared_length: int, **headers):
    """A PUT whose body stream is under the test's control (cut short, or reset)."""
    request = RequestFactory().generic(
        "PUT",
        f"/api/v2/recordings/D-1?{QUERY}",
        b"",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        headers=headers,
    )
    request.META["CONTENT_LENGTH"] = str(declared_length)
    request.META["CONTENT_TYPE"] = "application/octet-stream"
    request._stream = LimitedStream(body_stream, declared_length)
    response = RecordingDetailView.as_view()(request, data_id="D-1")
    response.render()
    return response


def test_a_body_shorter_than_its_content_length_stores_nothing(owner_token, patient, media_files):
    body = b"7" * 3_000_000
    r = send_body(owner_token, io.BytesIO(body[:1_000_000]), len(body))
    assert (r.status_code, error_code(r)) == (400, "upload_truncated")
    assert_nothing_stored(media_files)


def test_a_connection_reset_mid_body_stores_nothing(owner_token, patient, media_files):
    body = b"7" * 3_000_000
    r = send_body(owner_token, io.BufferedReader(ResetMidway(body, 1_500_000)), len(body))
    assert (r.status_code, error_code(r)) == (400, "upload_truncated")
    assert_nothing_stored(media_files)


def test_an_upload_needs_a_content_length(v2, patient, media_files):
    r = put(v2("owner"), CONTENT_LENGTH="")
    assert (r.status_code, error_code(r)) == (411, "length_required")
    assert_nothing_stored(media_files)


def test_an_empty_body_is_refused(v2, patient, media_files):
    r = put(v2("owner"), body=b"", CONTENT_LENGTH="0")
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert "body" in r.json()["fields"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("device=ECG-1&start_time=2026-12-01T10:00:00Z&end_time=2026-12-01T10:00:10Z", "patient"),
        (
            QUERY.replace("end_time=2026-12-01T10:00:10Z", "end_time=2026-12-01T09:00:00Z"),
            "end_time",
        ),
        (QUERY.replace("2026-12-01T10:00:00Z", "yesterday"), "start_time"),
        (QUERY.replace("2026-12-01T10:00:00Z", "0001-01-01T00:00:00Z"), "start_time"),
        (f"{QUERY}&sampling_rate=-1", "sampling_rate"),
        (f"{QUERY}&sha256=abc", "sha256"),
    ],
)
def test_bad_metadata_names_the_field_and_stores_nothing(v2, patient, media_files, query, field):
    r = put(v2("owner"), query=query)
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert field in r.json()["fields"]
    assert_nothing_stored(media_files)


def test_a_data_id_over_128_characters_is_refused(v2, patient):
    r = put(v2("owner"), data_id="x" * 129)
    assert (r.status_code, error_code(r)) == (400, "validation_error")
    assert "data_id" in r.json()["fields"]


def test_storage_failure_stores_nothing_and_keeps_the_old_version(
    v2, patient, media_files, monkeypatch
):
    put(v2("owner"))
    before = media_files()
    from django.core.files.storage import FileSystemStorage

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", full_disk)
    r = put(v2("owner"), body=b"new", headers={"if-match": etag(CONTENT)})
    assert (r.status_code, error_code(r)) == (503, "storage_unavailable")
    assert media_files() == before
    monkeypatch.undo()
    assert stored_bytes() == CONTENT


def test_an_existing_recording_of_someone_else_is_not_replaced(v2, other_user, patient, device):
    make_recording(data_id="D-1", uploader=other_user, patient=patient, device=device)
    assert put(v2("owner")).status_code == 409
    assert Recording.objects.get().uploaded_by == other_user


@pytest.mark.parametrize(
    ("setup", "headers", "status", "code"),
    [
        ("others_patient", {}, 400, "recording_target_invalid"),
        ("exists", {}, 428, "precondition_required"),
        ("exists", {"if-none-match": "*"}, 412, "precondition_failed"),
        ("exists", {"if-match": '"stale"'}, 412, "precondition_failed"),
        ("exists_by_other", {"if-match": "*"}, 409, "recording_exists"),
        # RFC 9110: a passing If-Match does not excuse a failing If-None-Match.
        ("exists", {"if-match": "*", "if-none-match": "*"}, 412, "precondition_failed"),
    ],
)
def test_refusals_come_before_a_byte_of_the_body_is_read(
    owner_token, owner, other_user, patient, device, setup, headers, status, code
):
    if setup == "others_patient":
        patient.owner = other_user
        patient.save()
    if setup.startswith("exists"):
        uploader = other_user if setup == "exists_by_other" else owner
        make_recording(data_id="D-1", uploader=uploader, patient=patient, device=device)
    unreadable = io.BufferedReader(ResetMidway(b"x" * 1000, 0))  # any read fails
    r = send_body(owner_token, unreadable, 1000, **headers)
    assert (r.status_code, error_code(r)) == (status, code)
