"""Every device and patient endpoint against the owner, another user, a superuser and no session."""

import json

import pytest

from devices.models import Device, DeviceLink
from patients.models import Patient
from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db

NO_SESSION = (400, b'{"session_id":["This field is required."]}')
UNAUTHORIZED = (401, b'"UNAUTHORIZED"')
PATIENT_MISSING = (400, b'"PATIENT DOES NOT EXIST"')
SUCCESS = (200, b'"SUCCESS"')
CREATED = (201, b'"SUCCESS"')


def ota_body():
    return (
        200,
        b'{"device_name":"DefaultDevice","serial_number":"ECG-1","Mac_id":"AA:01","Num_of_Leads":12,'
        b'"Firmware_Version_id":" N/A ","Firmware_version_number":" N/A "}',
    )


def listing(*items):
    return (
        200,
        json.dumps({"status": "SUCCESS", "data": list(items)}, separators=(",", ":")).encode(),
    )


OWNER_DEVICE = json.loads(ota_body()[1])
OWNER_PATIENT = {"patient_number": "P-1", "patient_name": "Ada"}

# endpoint -> (method, body, {persona: (status, body)})
MATRIX = {
    "add_device": (
        "POST",
        {"serial_number": "ECG-1"},
        {"owner": CREATED, "other": UNAUTHORIZED, "superuser": CREATED},
    ),
    "delete_device": (
        "POST",
        {"serial_number": "ECG-1"},
        {"owner": SUCCESS, "other": UNAUTHORIZED, "superuser": SUCCESS},
    ),
    "show_devices": (
        "GET",
        {},
        {"owner": listing(OWNER_DEVICE), "other": listing(), "superuser": listing()},
    ),
    "get_ota": (
        "GET",
        {"serial_number": "ECG-1"},
        {"owner": ota_body(), "other": UNAUTHORIZED, "superuser": ota_body()},
    ),
    "update_device_settings": (
        "POST",
        {"serial_number": "ECG-1", "device_name": "Renamed"},
        {"owner": SUCCESS, "other": UNAUTHORIZED, "superuser": SUCCESS},
    ),
    "add_patient": (
        "POST",
        {"patient_number": "P-NEW", "patient_name": "New", "serial_number": "ECG-1"},
        {"owner": SUCCESS, "other": UNAUTHORIZED, "superuser": SUCCESS},
    ),
    "update_patient": (
        "POST",
        {"patient_number": "P-1", "patient_name": "Renamed"},
        {"owner": SUCCESS, "other": PATIENT_MISSING, "superuser": SUCCESS},
    ),
    "delete_patient": (
        "POST",
        {"patient_number": "P-1"},
        {"owner": SUCCESS, "other": PATIENT_MISSING, "superuser": SUCCESS},
    ),
    "show_patients": (
        "GET",
        {"serial_number": "ECG-1"},
        {"owner": listing(OWNER_PATIENT), "other": listing(), "superuser": listing()},
    ),
}

CASES = [
    (endpoint, persona)
    for endpoint in MATRIX
    for persona in ("owner", "other", "superuser", "anonymous")
]


def snapshot():
    return (
        sorted(Device.objects.values_list("serial_number", "name")),
        sorted(DeviceLink.objects.values_list("user__username", "device__serial_number")),
        sorted(Patient.objects.values_list("patient_number", "name", "owner__username")),
    )


@pytest.mark.parametrize(("endpoint", "persona"), CASES)
def test_permission_matrix(
    api, owner, owner_token, other_token, superuser_token, endpoint, persona
):
    device = make_device("ECG-1", users=[owner], mac_address="AA:01")
    make_patient("P-1", owner=owner, name="Ada", devices=[device])
    method, body, expected = MATRIX[endpoint]
    token = {"owner": owner_token, "other": other_token, "superuser": superuser_token}.get(persona)
    payload = body | ({"session_id": token} if token else {})
    before = snapshot()

    if method == "GET":
        r = api.get_json(f"/api/{endpoint}", payload)
    else:
        r = api.post_json(f"/api/{endpoint}", payload)

    assert (r.status_code, r.content) == expected.get(persona, NO_SESSION)
    if r.status_code >= 400 or method == "GET":
        assert snapshot() == before, "a refused or read-only request changed data"
