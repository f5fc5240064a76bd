"""Hostile input: every request below gets a 4xx JSON answer and changes nothing."""

import json

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accounts.models import Session, User
from devices.models import Device, DeviceLink
from patients.models import Patient
from recordings.models import Recording
from tests.factories import make_recording, upload_fields

pytestmark = pytest.mark.django_db

JSON_ENDPOINTS = [
    "login",
    "logout",
    "create_user",
    "update_user",
    "forgot_password",
    "add_device",
    "delete_device",
    "show_devices",
    "get_ota",
    "update_device_settings",
    "add_patient",
    "update_patient",
    "delete_patient",
    "show_patients",
    "get_data",
]

SQL_LOOKING = [
    "' OR '1'='1",
    "1; DROP TABLE devices_device; --",
    '" OR ""="',
    "ECG-1' --",
    "%' OR 1=1 #",
]


@pytest.fixture
def world(owner, patient, device):
    make_recording(data_id="D-1", uploader=owner, patient=patient, device=device, content=b"ecg")


def snapshot():
    return (
        sorted(User.objects.values_list("username", "email", "first_name", "password")),
        sorted(Session.objects.values_list("token_hash", flat=True)),
        sorted(Device.objects.values_list("serial_number", "name", "mac_address", "lead_count")),
        sorted(DeviceLink.objects.values_list("user_id", "device_id")),
        sorted(Patient.objects.values_list("patient_number", "name", "owner_id")),
        sorted(Recording.objects.values_list("data_id", "sha256", "file")),
    )


def assert_refused(response, before):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    json.loads(response.content)
    assert b"Traceback" not in response.content
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 50_000 + b"]" * 50_000, id="deeply-nested"),
        pytest.param(b'{"a": ' * 5000 + b"1" + b"}" * 5000, id="deeply-nested-object"),
        pytest.param(b'{"session_id": "' + b"x" * 3_000_000 + b'"}', id="oversized"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
        pytest.param(b'{"username": "a"', id="truncated"),
        pytest.param(b"null", id="null"),
        pytest.param(b'"just a string"', id="scalar"),
        pytest.param(b"[]", id="list"),
        pytest.param(b"1e999999", id="huge-number"),
        pytest.param(b"NaN", id="nan"),
    ],
)
def test_malformed_json_bodies(api, world, owner_token, endpoint, body):
    before = snapshot()
    r = api.post(f"/api/{endpoint}?session_id={owner_token}", body, content_type="application/json")
    # logout may legitimately revoke the query-string session; nothing else may change.
    if endpoint == "logout" and r.status_code == 200:
        return
    assert_refused(r, before)


WRONG_TYPES = [
    {"a": 1},
    ["list"],
    12345678901234567890,
    True,
    None,
    1.5,
]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize(
    ("endpoint", "fields"),
    [
        ("login", ["username", "password"]),
        ("create_user", ["username", "password", "Confirm_Password", "email", "phone_number"]),
        ("update_user", ["username", "email", "first_name", "phone_number"]),
        ("forgot_password", ["username", "email", "OTP", "new_password"]),
        ("add_device", ["serial_number", "device_name", "Mac_id", "Num_of_Leads"]),
        ("delete_device", ["serial_number"]),
        ("get_ota", ["serial_number"]),
        ("update_device_settings", ["serial_number", "Num_of_Leads", "Firmware_version_id"]),
        ("add_patient", ["patient_name", "patient_number", "serial_number"]),
        ("update_patient", ["patient_name", "patient_number"]),
        ("delete_patient", ["patient_number"]),
        ("show_patients", ["serial_number"]),
        ("get_data", ["data_id"]),
    ],
)
def test_wrong_types_everywhere(api, world, superuser_token, endpoint, fields, value):
    before = snapshot()
    body = {"session_id": superuser_token} | dict.fromkeys(fields, value)
    r = api.post_json(f"/api/{endpoint}", body)
    if r.status_code < 400:
        # A number where a string is expected is a valid string to DRF ("12345"); that may
        # succeed, but only with data a client could have sent as text.
        assert isinstance(value, int | float) and not isinstance(value, bool), (
            r.status_code,
            r.content,
        )
        return
    assert_refused(r, before)


@pytest.mark.parametrize(
    "text", ["nul\x00byte", "\ud83d", "ok\udfffbad"], ids=["nul", "high-surrogate", "low-surrogate"]
)
@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("login", "username"),
        ("create_user", "username"),
        ("update_user", "first_name"),
        ("add_device", "serial_number"),
        ("add_patient", "patient_name"),
        ("get_ota", "serial_number"),
        ("get_data", "data_id"),
    ],
)
def test_nul_bytes_and_lone_surrogates(api, world, superuser_token, endpoint, field, text):
    before = snapshot()
    body = {
        "session_id": superuser_token,
        "username": "x",
        "password": "Pw-123456789",
        "Confirm_Password": "Pw-123456789",
        "serial_number": "ECG-1",
        "patient_number": "P-9",
        "patient_name": "n",
        "data_id": "D-1",
        field: text,
    }
    r = api.post_json(f"/api/{endpoint}", body)
    assert_refused(r, before)


def test_odd_but_valid_unicode_is_stored_exactly(api, owner_token):
    name = "Zoë Ångström 李小龙 👩‍⚕️ \u202eRTL"
    r = api.post_json(
        "/api/add_patient",
        {"session_id": owner_token, "patient_name": name, "patient_number": "P-✓"},
    )
    assert r.content == b'"SUCCESS"'
    assert Patient.objects.get(patient_number="P-✓").name == name


@pytest.mark.parametrize(
    ("endpoint", "field", "limit"),
    [
        ("create_user", "username", 150),
        ("create_user", "first_name", 150),
        ("create_user", "email", 254),
        ("create_user", "phone_number", 32),
        ("update_user", "last_name", 150),
        ("add_device", "serial_number", 64),
        ("add_device", "device_name", 100),
        ("add_device", "Mac_id", 64),
        ("update_device_settings", "Firmware_version_id", 64),
        ("update_device_settings", "Firmware_version_number", 64),
        ("add_patient", "patient_number", 64),
        ("add_patient", "patient_name", 200),
        ("get_data", "data_id", 128),
        ("login", "password", 4096),
    ],
)
def test_overlong_fields(api, world, superuser_token, endpoint, field, limit):
    before = snapshot()
    body = {
        "session_id": superuser_token,
        "username": "newbie",
        "password": "Pw-123456789",
        "Confirm_Password": "Pw-123456789",
        "serial_number": "ECG-1",
        "patient_number": "P-9",
        "patient_name": "n",
        field: "a" * (limit + 1) if field != "email" else "a" * limit + "@x.io",
    }
    r = api.post_json(f"/api/{endpoint}", body)
    assert_refused(r, before)


@pytest.mark.parametrize("value", SQL_LOOKING)
@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("login", "username"),
        ("get_ota", "serial_number"),
        ("delete_device", "serial_number"),
        ("update_patient", "patient_number"),
        ("delete_patient", "patient_number"),
        ("get_data", "data_id"),
        ("show_patients", "serial_number"),
    ],
)
def test_sql_looking_lookups_find_nothing_and_change_nothing(
    api, world, owner_token, endpoint, field, value
):
    before = snapshot()
    body = {
        "session_id": owner_token,
        "username": "x",
        "password": "y",
        "patient_name": "n",
        field: value,
    }
    r = api.post_json(f"/api/{endpoint}", body)
    if endpoint == "show_patients":
        assert r.content == b'{"status":"SUCCESS","data":[]}'
        assert snapshot() == before
        return
    assert_refused(r, before)


def test_sql_looking_text_is_stored_verbatim(api, owner_token):
    r = api.post_json(
        "/api/add_patient",
        {"session_id": owner_token, "patient_name": SQL_LOOKING[1], "patient_number": "P-SQL"},
    )
    assert r.content == b'"SUCCESS"'
    assert Patient.objects.get(patient_number="P-SQL").name == SQL_LOOKING[1]
    from django.db import connection

    assert "devices_device" in connection.introspection.table_names()  # nothing was dropped


# --- multipart -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    [
        "../../../../etc/passwd",
        "..\\..\\windows\\system32",
        "/absolute/path.csv",
        "a" * 5000 + ".csv",
        "nul\x00name.csv",
        "CON",
        ".",
        "😀" * 300,
    ],
)
def test_absurd_file_names_never_become_paths(api, world, owner_token, media_files, filename):
    fields = upload_fields(owner_token, data_id="D-NAME")
    del fields["File"]
    # Built by hand: Django's test client refuses to encode some of these names itself.
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="File"; filename="{filename}"\r\n'
        f"Content-Type: text/csv\r\n\r\n1,2,3\n\r\n--{BOUNDARY}--\r\n"
    ).encode("utf-8", "surrogatepass")
    r = api.generic("POST", "/api/post_data", body, content_type=MULTIPART_CONTENT)
    if r.status_code == 200:
        recording = Recording.objects.get(data_id="D-NAME")
        assert recording.file.name.startswith("recordings/")
        assert ".." not in recording.file.name and "passwd" not in recording.file.name
        assert len(recording.original_name) <= 255
        assert all(name.startswith("recordings/") for name in media_files())
    else:
        assert 400 <= r.status_code < 500


def raw_multipart(api, token, body: bytes, content_type: str, **extra):
    return api.generic(
        "POST",
        "/api/post_data",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token}",
        **extra,
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(
            b"--wrong\r\nContent-Disposition: form-data; name=x\r\n\r\ny\r\n--wrong--",
            MULTIPART_CONTENT,
            id="wrong-boundary",
        ),
        pytest.param(b"no boundaries at all", MULTIPART_CONTENT, id="no-parts"),
        pytest.param(
            b"--" + BOUNDARY.encode() + b"\r\ngarbage without headers",
            MULTIPART_CONTENT,
            id="broken-part",
        ),
        pytest.param(b"", "multipart/form-data", id="no-boundary-parameter"),
        pytest.param(b"x", "multipart/form-data; boundary=" + "b" * 300, id="overlong-boundary"),
        pytest.param(b"", MULTIPART_CONTENT, id="empty"),
    ],
)
def test_broken_multipart_bodies(api, world, owner_token, media_files, body, content_type):
    before, files_before = snapshot(), media_files()
    r = raw_multipart(api, owner_token, body, content_type)
    assert_refused(r, before)
    assert media_files() == files_before


def test_multipart_without_a_file_part(api, world, owner_token, media_files):
    before, files_before = snapshot(), media_files()
    fields = upload_fields(owner_token, data_id="D-NOFILE")
    del fields["File"]
    r = raw_multipart(api, owner_token, encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT)
    assert r.status_code == 400
    assert r.content == b'{"File":["No file was submitted."]}'
    assert snapshot() == before and media_files() == files_before


# A Content-Length longer than the body needs a real socket: see test_live_server_faults.py.
@pytest.mark.parametrize("declared", ["shorter", "negative", "junk"])
def test_content_length_lies(api, world, owner_token, media_files, declared):
    before, files_before = snapshot(), media_files()
    body = encode_multipart(
        BOUNDARY, upload_fields(owner_token, data_id="D-LIE", content=b"9" * 100_000)
    )
    length = {"shorter": len(body) // 2, "negative": -5, "junk": "abc"}[declared]
    r = api.generic(
        "POST", "/api/post_data", body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(length)
    )
    assert_refused(r, before)
    assert media_files() == files_before


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-" + "9" * 10_000,
        "bytes=" + ",".join(f"{i}-{i}" for i in range(5000)),
        "bytes=-" + "9" * 400,
        "bytes=\x00-1",
    ],
)
def test_huge_range_headers(api, world, owner_token, header):
    r = api.get_json(
        "/api/get_data", {"session_id": owner_token, "data_id": "D-1"}, HTTP_RANGE=header
    )
    assert r.status_code in (200, 206, 416)
    if r.status_code == 200:
        assert b"".join(r.streaming_content) == b"ecg"


def test_many_form_fields_are_refused(api, world, owner_token):
    before = snapshot()
    body = "&".join(f"f{i}=v" for i in range(5000))
    r = api.post("/api/login", body, content_type="application/x-www-form-urlencoded")
    assert_refused(r, before)
