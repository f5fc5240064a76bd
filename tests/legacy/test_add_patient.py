import pytest

from patients.models import Patient
from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db


def add_patient(api, token, **fields):
    return api.post_json("/api/add_patient", {"session_id": token, **fields})


def test_adds_a_patient_owned_by_the_caller(api, owner, owner_token):
    r = add_patient(api, owner_token, patient_name="Ada Lovelace", patient_number="P-1")
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    patient = Patient.objects.get()
    assert (patient.patient_number, patient.name, patient.owner) == ("P-1", "Ada Lovelace", owner)


def test_links_the_patient_to_the_callers_device(api, owner, owner_token):
    device = make_device("ECG-1", users=[owner])
    r = add_patient(
        api, owner_token, patient_name="Ada", patient_number="P-1", serial_number="ECG-1"
    )
    assert r.content == b'"SUCCESS"'
    assert list(Patient.objects.get().devices.all()) == [device]


def test_a_device_that_is_not_the_callers_is_refused_and_nothing_is_created(
    api, other_user, owner_token
):
    make_device("ECG-1", users=[other_user])
    r = add_patient(
        api, owner_token, patient_name="Ada", patient_number="P-1", serial_number="ECG-1"
    )
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'
    assert not Patient.objects.exists()


def test_an_unknown_device_is_refused_and_nothing_is_created(api, owner_token):
    r = add_patient(
        api, owner_token, patient_name="Ada", patient_number="P-1", serial_number="NOPE"
    )
    assert r.status_code == 400
    assert r.content == b'"DEVICE DOES NOT EXIST"'
    assert not Patient.objects.exists()


def test_a_patient_number_in_use_is_refused(api, other_user, owner_token):
    make_patient("P-1", owner=other_user)
    r = add_patient(api, owner_token, patient_name="Ada", patient_number="P-1")
    assert r.status_code == 400
    assert r.content == b'{"patient_number":["A patient with this patient number already exists."]}'
    assert Patient.objects.get().owner == other_user


def test_missing_fields(api, owner_token):
    r = add_patient(api, owner_token)
    assert r.status_code == 400
    assert (
        r.content
        == b'{"patient_name":["This field is required."],"patient_number":["This field is required."]}'
    )


def test_overlong_fields(api, owner_token):
    r = add_patient(api, owner_token, patient_name="x" * 201, patient_number="9" * 65)
    assert r.status_code == 400
    assert r.content == (
        b'{"patient_name":["Ensure this field has no more than 200 characters."],'
        b'"patient_number":["Ensure this field has no more than 64 characters."]}'
    )


def test_invalid_session(api, db):
    r = add_patient(api, "0" * 40, patient_name="Ada", patient_number="P-1")
    assert r.status_code == 401
    assert r.content == b'"INVALID TOKEN"'
    assert not Patient.objects.exists()
