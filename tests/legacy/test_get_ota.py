import pytest

from tests.factories import make_device

pytestmark = pytest.mark.django_db

OTA_BODY = (
    b'{"device_name":"Holter","serial_number":"ECG-1","Mac_id":"AA:01","Num_of_Leads":12,'
    b'"Firmware_Version_id":"fw-3","Firmware_version_number":"2.0.1"}'
)


@pytest.fixture
def device(owner):
    return make_device(
        "ECG-1", users=[owner], name="Holter", mac_address="AA:01", firmware=("fw-3", "2.0.1")
    )


def test_get_with_a_json_body(api, device, owner_token):
    r = api.get_json("/api/get_ota", {"session_id": owner_token, "serial_number": "ECG-1"})
    assert r.status_code == 200
    assert r.content == OTA_BODY


def test_get_with_query_parameters(api, device, owner_token):
    r = api.get(f"/api/get_ota?session_id={owner_token}&serial_number=ECG-1")
    assert r.content == OTA_BODY


def test_post_with_a_json_body(api, device, owner_token):
    r = api.post_json("/api/get_ota/", {"session_id": owner_token, "serial_number": "ECG-1"})
    assert r.content == OTA_BODY


def test_session_in_a_header(api, device, owner_token):
    r = api.get("/api/get_ota?serial_number=ECG-1", HTTP_AUTHORIZATION=f"Bearer {owner_token}")
    assert r.content == OTA_BODY


def test_superuser_may_read_any_device(api, device, superuser_token):
    r = api.get_json("/api/get_ota", {"session_id": superuser_token, "serial_number": "ECG-1"})
    assert r.content == OTA_BODY


def test_a_user_not_linked_is_refused(api, device, other_token):
    r = api.get_json("/api/get_ota", {"session_id": other_token, "serial_number": "ECG-1"})
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'


def test_unknown_device(api, owner_token):
    r = api.get_json("/api/get_ota", {"session_id": owner_token, "serial_number": "NOPE"})
    assert r.status_code == 400
    assert r.content == b'"DEVICE DOES NOT EXIST"'


def test_serial_lookup_is_exact(api, device, owner_token):
    r = api.get_json("/api/get_ota", {"session_id": owner_token, "serial_number": "ecg-1"})
    assert r.content == b'"DEVICE DOES NOT EXIST"'


def test_invalid_session(api, device):
    r = api.get_json("/api/get_ota", {"session_id": "0" * 40, "serial_number": "ECG-1"})
    assert r.status_code == 401
    assert r.content == b'"INVALID SESSION"'


def test_missing_fields(api, db):
    r = api.get_json("/api/get_ota", {})
    assert r.status_code == 400
    assert (
        r.content
        == b'{"session_id":["This field is required."],"serial_number":["This field is required."]}'
    )


def test_runs_two_queries(api, device, owner_token, django_assert_num_queries):
    with django_assert_num_queries(2):  # session, device with firmware and link check
        api.get_json("/api/get_ota", {"session_id": owner_token, "serial_number": "ECG-1"})
