import pytest

from patients.models import Patient
from patients.signals import patient_erasing
from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db


def delete_patient(api, token, patient_number="P-1"):
    return api.post_json(
        "/api/delete_patient", {"session_id": token, "patient_number": patient_number}
    )


def test_owner_deletes_the_patient(api, owner, owner_token):
    make_patient("P-1", owner=owner, devices=[make_device(users=[owner])])
    r = delete_patient(api, owner_token)
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    assert not Patient.objects.exists()


def test_superuser_deletes_any_patient(api, owner, superuser_token):
    make_patient("P-1", owner=owner)
    assert delete_patient(api, superuser_token).content == b'"SUCCESS"'
    assert not Patient.objects.exists()


def test_another_users_patient_answers_as_if_it_did_not_exist(api, owner, other_token):
    make_patient("P-1", owner=owner)
    r = delete_patient(api, other_token)
    assert r.status_code == 400
    assert r.content == b'"PATIENT DOES NOT EXIST"'
    assert Patient.objects.exists()


def test_unknown_patient(api, owner_token):
    r = delete_patient(api, owner_token, "P-404")
    assert r.status_code == 400
    assert r.content == b'"PATIENT DOES NOT EXIST"'


def test_missing_number(api, owner_token):
    r = api.post_json("/api/delete_patient", {"session_id": owner_token})
    assert r.status_code == 400
    assert r.content == b'{"patient_number":["This field is required."]}'


def test_invalid_session(api, owner):
    make_patient("P-1", owner=owner)
    r = delete_patient(api, "0" * 40)
    assert r.status_code == 401
    assert r.content == b'"INVALID TOKEN"'
    assert Patient.objects.exists()


def test_erasure_announces_the_patient_inside_the_transaction(api, owner, owner_token):
    make_patient("P-1", owner=owner)
    seen = []

    def receiver(sender, patient, **kwargs):
        seen.append((patient.patient_number, Patient.objects.filter(pk=patient.pk).exists()))

    patient_erasing.connect(receiver)
    try:
        delete_patient(api, owner_token)
    finally:
        patient_erasing.disconnect(receiver)
    assert seen == [("P-1", True)]


def test_a_failing_erasure_hook_rolls_the_deletion_back(api, owner, owner_token):
    make_patient("P-1", owner=owner)

    def receiver(sender, patient, **kwargs):
        raise RuntimeError("storage unavailable")

    patient_erasing.connect(receiver)
    try:
        r = delete_patient(api, owner_token)
    finally:
        patient_erasing.disconnect(receiver)
    assert r.status_code == 500
    assert Patient.objects.exists()
