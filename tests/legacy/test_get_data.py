import hashlib
import logging
import os

import pytest

from recordings.models import Recording
from recordings.storage import recording_storage
from tests.conftest import PTB_CSV
from tests.factories import make_recording, upload_fields

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 40  # 10,240 bytes, every byte value


@pytest.fixture
def recording(owner, patient, device):
    return make_recording(
        data_id="D-1",
        uploader=owner,
        patient=patient,
        device=device,
        content=CONTENT,
        original_name="holter 7.csv",
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def get_data(api, token, data_id="D-1", **extra):
    return api.get_json("/api/get_data", {"session_id": token, "data_id": data_id}, **extra)


def test_streams_the_file_with_its_headers(api, recording, owner_token):
    r = get_data(api, owner_token)
    assert r.status_code == 200
    assert r.streaming
    assert body(r) == CONTENT
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Length"] == str(len(CONTENT))
    assert r["Content-Disposition"] == 'attachment; filename="holter 7.csv"'
    assert r["ETag"] == f'"{hashlib.sha256(CONTENT).hexdigest()}"'
    assert r["Accept-Ranges"] == "bytes"


def test_a_non_ascii_file_name_is_encoded(api, owner, patient, owner_token):
    make_recording(
        data_id="D-9", uploader=owner, patient=patient, original_name="électro cardio.csv"
    )
    r = get_data(api, owner_token, "D-9")
    assert r["Content-Disposition"] == "attachment; filename*=utf-8''%C3%A9lectro%20cardio.csv"


@pytest.mark.parametrize("how", ["query", "post", "path_header", "path_query"])
def test_every_way_of_asking(api, recording, owner_token, how):
    if how == "query":
        r = api.get(f"/api/get_data?session_id={owner_token}&data_id=D-1")
    elif how == "post":
        r = api.post_json("/api/get_data/", {"session_id": owner_token, "data_id": "D-1"})
    elif how == "path_header":
        r = api.get("/api/get_data/D-1", HTTP_AUTHORIZATION=f"Bearer {owner_token}")
    else:
        r = api.get(f"/api/get_data/D-1/?session_id={owner_token}")
    assert r.status_code == 200
    assert body(r) == CONTENT


def test_round_trip_of_a_multi_megabyte_upload_is_byte_exact(api, owner_token, patient):
    content = PTB_CSV.read_bytes() * 4 + os.urandom(1024 * 1024)  # ~5 MB, text and random bytes
    r = api.post(
        "/api/post_data", upload_fields(owner_token, content=content, data_id="BIG", name="big.bin")
    )
    assert r.content == b'"SUCCESS"'
    r = get_data(api, owner_token, "BIG")
    downloaded = body(r)
    assert len(downloaded) == len(content)
    assert hashlib.sha256(downloaded).digest() == hashlib.sha256(content).digest()
    assert r["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'


# --- ranges, HEAD, conditional requests --------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-10", 10230, 10239),
        ("bytes=10000-99999999999999999999", 10000, 10239),
    ],
)
def test_a_single_range_gives_206(api, recording, owner_token, header, first, last):
    r = get_data(api, owner_token, HTTP_RANGE=header)
    assert r.status_code == 206
    assert body(r) == CONTENT[first : last + 1]
    assert r["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert r["Content-Length"] == str(last - first + 1)
    assert r["Content-Type"] == "application/octet-stream"


def test_resuming_a_download_reassembles_the_file(api, recording, owner_token):
    parts = [
        body(get_data(api, owner_token, HTTP_RANGE=f"bytes={start}-{start + 4095}"))
        for start in range(0, len(CONTENT), 4096)
    ]
    assert b"".join(parts) == CONTENT


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_an_unsatisfiable_range_gives_416(api, recording, owner_token, header):
    r = get_data(api, owner_token, HTTP_RANGE=header)
    assert r.status_code == 416
    assert r["Content-Range"] == f"bytes */{len(CONTENT)}"
    assert r.content == b'{"detail":"Requested range not satisfiable."}'


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-9", "lines=1-2", "bytes=9-3", "bytes=" + "9" * 500, "garbage"]
)
def test_multiple_or_malformed_ranges_get_the_whole_file(api, recording, owner_token, header):
    r = get_data(api, owner_token, HTTP_RANGE=header)
    assert r.status_code == 200
    assert body(r) == CONTENT


def test_if_range_with_another_version_gets_the_whole_file(api, recording, owner_token):
    r = get_data(api, owner_token, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"')
    assert r.status_code == 200
    r = get_data(api, owner_token, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{recording.sha256}"')
    assert r.status_code == 206


def test_head_gives_the_headers_without_the_body(api, recording, owner_token):
    r = api.head(f"/api/get_data?session_id={owner_token}&data_id=D-1")
    assert r.status_code == 200
    assert r.content == b""
    assert r["Content-Length"] == str(len(CONTENT))
    assert r["ETag"] == f'"{recording.sha256}"'
    assert r["Content-Type"] == "application/octet-stream"


def test_head_with_a_range(api, recording, owner_token):
    r = api.head(
        "/api/get_data/D-1", HTTP_AUTHORIZATION=f"Token {owner_token}", HTTP_RANGE="bytes=0-9"
    )
    assert r.status_code == 206
    assert r["Content-Length"] == "10"
    assert r["Content-Range"] == f"bytes 0-9/{len(CONTENT)}"


def test_if_none_match_gives_304(api, recording, owner_token):
    r = get_data(api, owner_token, HTTP_IF_NONE_MATCH=f'"{recording.sha256}"')
    assert r.status_code == 304
    assert r.content == b""


# --- refusals ----------------------------------------------------------------------------------


def test_unknown_data_id(api, owner_token):
    r = get_data(api, owner_token, "NOPE")
    assert r.status_code == 400
    assert r.content == b'"FILE DOES NOT EXIST"'


def test_a_row_whose_file_is_gone_is_logged_and_answers_file_does_not_exist(
    api, recording, owner_token, caplog
):
    recording_storage().delete(recording.file.name)
    with caplog.at_level(logging.ERROR):
        r = get_data(api, owner_token)
    assert r.status_code == 400
    assert r.content == b'"FILE DOES NOT EXIST"'
    assert "Integrity error: recording D-1" in caplog.text


def test_invalid_session(api, recording):
    r = get_data(api, "0" * 40)
    assert r.status_code == 401
    assert r.content == b'"INVALID TOKEN"'


def test_missing_fields(api, db):
    r = api.get_json("/api/get_data", {})
    assert r.status_code == 400
    assert (
        r.content
        == b'{"session_id":["This field is required."],"data_id":["This field is required."]}'
    )


def test_path_form_without_a_session(api, recording):
    r = api.get("/api/get_data/D-1")
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


# --- who may read --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("uploader", 200),
        ("patient_owner", 200),
        ("other", 401),
        ("superuser", 200),
        ("anonymous", 400),
    ],
)
def test_permission_matrix(api, owner, other_user, superuser, patient, device, persona, expected):
    from tests.factories import make_session_token, make_user

    uploader = make_user(
        "uploader"
    )  # uploads for the owner's patient (e.g. a superuser later demoted)
    make_recording(
        data_id="D-1", uploader=uploader, patient=patient, device=device, content=CONTENT
    )
    user = {
        "uploader": uploader,
        "patient_owner": owner,
        "other": other_user,
        "superuser": superuser,
    }.get(persona)
    token = make_session_token(user) if user else None
    payload = {"data_id": "D-1"} | ({"session_id": token} if token else {})
    r = api.get_json("/api/get_data", payload)
    assert r.status_code == expected
    if expected == 200:
        assert body(r) == CONTENT
    elif expected == 401:
        assert r.content == b'"UNAUTHORIZED"'
    else:
        assert r.content == b'{"session_id":["This field is required."]}'


def test_runs_a_fixed_number_of_queries(api, recording, owner_token, django_assert_num_queries):
    with django_assert_num_queries(3):  # session, recording with its patient, audit event
        r = get_data(api, owner_token)
    assert body(r) == CONTENT


def test_deleting_the_device_keeps_its_recordings(api, recording, owner_token):
    r = api.post_json("/api/delete_device", {"session_id": owner_token, "serial_number": "ECG-1"})
    assert r.content == b'"SUCCESS"'
    kept = Recording.objects.get()
    assert (kept.device, kept.device_serial_number) == (None, "ECG-1")
    assert body(get_data(api, owner_token)) == CONTENT


def test_deleting_the_patient_erases_recordings_and_files_after_commit(
    api, recording, owner_token, django_capture_on_commit_callbacks
):
    name = recording.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api.post_json(
            "/api/delete_patient", {"session_id": owner_token, "patient_number": "P-1"}
        )
    assert r.content == b'"SUCCESS"'
    assert not Recording.objects.exists()
    assert recording_storage().exists(name)  # not before the commit
    for callback in callbacks:
        callback()
    assert not recording_storage().exists(name)
    assert get_data(api, owner_token).content == b'"FILE DOES NOT EXIST"'


# --- handing the bytes to the front end ---------------------------------------------------------


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(
    api, recording, owner_token, settings
):
    settings.RECORDINGS_X_ACCEL_PREFIX = "/_protected/"
    r = get_data(api, owner_token)
    assert r.status_code == 200
    assert r["X-Accel-Redirect"] == f"/_protected/{recording.file.name}"
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"] == 'attachment; filename="holter 7.csv"'
    assert r.content == b""


def test_x_accel_redirect_still_checks_permission_and_existence(
    api, recording, other_token, owner_token, settings
):
    settings.RECORDINGS_X_ACCEL_PREFIX = "/_protected/"
    r = get_data(api, other_token)
    assert (r.status_code, r.content) == (401, b'"UNAUTHORIZED"')
    assert "X-Accel-Redirect" not in r
    recording_storage().delete(recording.file.name)
    r = get_data(api, owner_token)
    assert (r.status_code, r.content) == (400, b'"FILE DOES NOT EXIST"')
