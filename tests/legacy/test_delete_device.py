import pytest

from devices.models import Device
from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db


def delete_device(api, token, serial_number="ECG-1"):
    return api.post_json(
        "/api/delete_device", {"session_id": token, "serial_number": serial_number}
    )


def test_linked_user_deletes_the_device(api, owner, owner_token):
    make_device("ECG-1", users=[owner])
    r = delete_device(api, owner_token)
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    assert not Device.objects.exists()


def test_deleting_a_device_keeps_its_patients(api, owner, owner_token):
    device = make_device("ECG-1", users=[owner])
    patient = make_patient("P-1", owner=owner, devices=[device])
    delete_device(api, owner_token)
    patient.refresh_from_db()
    assert list(patient.devices.all()) == []


def test_superuser_deletes_any_device(api, owner, superuser_token):
    make_device("ECG-1", users=[owner])
    assert delete_device(api, superuser_token).content == b'"SUCCESS"'
    assert not Device.objects.exists()


def test_another_user_is_refused(api, owner, other_token):
    make_device("ECG-1", users=[owner])
    r = delete_device(api, other_token)
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'
    assert Device.objects.exists()


def test_unknown_device(api, owner_token):
    r = delete_device(api, owner_token, "NOPE")
    assert r.status_code == 400
    assert r.content == b'"DEVICE DOES NOT EXIST"'


def test_missing_serial(api, owner_token):
    r = api.post_json("/api/delete_device", {"session_id": owner_token})
    assert r.status_code == 400
    assert r.content == b'{"serial_number":["This field is required."]}'


def test_invalid_session(api, owner):
    make_device("ECG-1", users=[owner])
    r = delete_device(api, "0" * 40)
    assert r.status_code == 401
    assert r.content == b'"INVALID SESSION"'
    assert Device.objects.exists()
