"""Each legacy device/patient request runs a small, fixed number of queries, however many
devices and patients the caller has."""

import pytest

from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db

# endpoint -> (method, body, queries). Every count includes the session lookup, and every write
# its audit event (in the same transaction).
REQUESTS = {
    # lookup, savepoint, device + firmware + link + audit inserts, release
    "add_device": ("POST", {"serial_number": "ECG-NEW", "Mac_id": "AA:99"}, 8),
    "add_device_again": ("POST", {"serial_number": "ECG-0"}, 3),  # lookup, link check
    # select, savepoint, audit, cascade deletes, recordings keep their serial (SET NULL), release
    "delete_device": ("POST", {"serial_number": "ECG-0"}, 10),
    "show_devices": ("GET", {}, 2),
    "get_ota": ("GET", {"serial_number": "ECG-0"}, 2),
    "update_device_settings": (
        "POST",
        {"serial_number": "ECG-0", "device_name": "N", "Firmware_version_id": "f"},
        7,
    ),
    "add_patient": (
        "POST",
        {"patient_number": "P-NEW", "patient_name": "N", "serial_number": "ECG-0"},
        8,
    ),
    "update_patient": ("POST", {"patient_number": "P-0", "patient_name": "N"}, 6),
    # select, erase recordings (collected for their files), cascade deletes
    "delete_patient": ("POST", {"patient_number": "P-0"}, 9),
    "show_patients": ("GET", {"serial_number": "ECG-0"}, 2),
}


@pytest.mark.parametrize("size", [1, 25])
@pytest.mark.parametrize("name", list(REQUESTS))
def test_query_count_is_fixed(api, owner, owner_token, django_assert_num_queries, name, size):
    for n in range(size):
        device = make_device(f"ECG-{n}", users=[owner])
        make_patient(f"P-{n}", owner=owner, devices=[device])
    method, body, expected = REQUESTS[name]
    endpoint = name.removesuffix("_again")
    with django_assert_num_queries(expected):
        if method == "GET":
            r = api.get_json(f"/api/{endpoint}", {"session_id": owner_token, **body})
        else:
            r = api.post_json(f"/api/{endpoint}", {"session_id": owner_token, **body})
    assert r.status_code in (200, 201), r.content
