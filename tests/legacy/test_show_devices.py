import json

import pytest

from tests.factories import make_device

pytestmark = pytest.mark.django_db


def test_lists_the_callers_devices(api, owner, other_user, owner_token):
    make_device(
        "ECG-B",
        users=[owner],
        name="Bedside",
        mac_address="AA:02",
        lead_count=3,
        firmware=("fw-7", "1.2.3"),
    )
    make_device("ECG-A", users=[owner, other_user], mac_address="AA:01")
    make_device("ECG-C", users=[other_user])
    r = api.post_json("/api/show_devices", {"session_id": owner_token})
    assert r.status_code == 200
    assert r.content == (
        b'{"status":"SUCCESS","data":['
        b'{"device_name":"DefaultDevice","serial_number":"ECG-A","Mac_id":"AA:01","Num_of_Leads":12,'
        b'"Firmware_Version_id":" N/A ","Firmware_version_number":" N/A "},'
        b'{"device_name":"Bedside","serial_number":"ECG-B","Mac_id":"AA:02","Num_of_Leads":3,'
        b'"Firmware_Version_id":"fw-7","Firmware_version_number":"1.2.3"}]}'
    )


def test_no_devices_is_an_empty_list(api, owner_token):
    r = api.post_json("/api/show_devices", {"session_id": owner_token})
    assert r.content == b'{"status":"SUCCESS","data":[]}'


def test_get_with_a_json_body_and_with_a_query_string(api, owner, owner_token):
    make_device("ECG-A", users=[owner])
    for r in (
        api.get_json("/api/show_devices", {"session_id": owner_token}),
        api.get(f"/api/show_devices?session_id={owner_token}"),
    ):
        assert r.status_code == 200
        assert [d["serial_number"] for d in json.loads(r.content)["data"]] == ["ECG-A"]


def test_superuser_sees_only_their_own_linked_devices(api, owner, superuser, superuser_token):
    make_device("ECG-A", users=[owner])
    make_device("ECG-S", users=[superuser])
    r = api.post_json("/api/show_devices", {"session_id": superuser_token})
    assert [d["serial_number"] for d in json.loads(r.content)["data"]] == ["ECG-S"]


def test_device_made_in_the_admin_without_firmware_row(api, owner, owner_token):
    from devices.models import Device, DeviceLink

    device = Device.objects.create(serial_number="ADMIN-1")
    DeviceLink.objects.create(user=owner, device=device)
    r = api.post_json("/api/show_devices", {"session_id": owner_token})
    data = json.loads(r.content)["data"]
    assert data[0]["Firmware_Version_id"] == " N/A "


def test_invalid_session(api, db):
    r = api.post_json("/api/show_devices", {"session_id": "0" * 40})
    assert r.status_code == 401
    assert r.content == b'{"status":"FAIL","error":"INVALID SESSION"}'


def test_missing_session(api, db):
    r = api.get("/api/show_devices")
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


def test_query_count_does_not_grow_with_the_number_of_devices(
    api, owner, owner_token, django_assert_num_queries
):
    def count_queries():
        with django_assert_num_queries(2) as captured:  # session + device list
            api.post_json("/api/show_devices", {"session_id": owner_token})
        return len(captured)

    make_device(users=[owner])
    few = count_queries()
    for _ in range(25):
        make_device(users=[owner])
    assert count_queries() == few == 2
