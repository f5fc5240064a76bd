import pytest

from patients.models import Patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def update_patient(api, token, **fields):
    return api.post_json("/api/update_patient", {"session_id": token, **fields})


def test_owner_renames_the_patient(api, owner, owner_token):
    make_patient("P-1", owner=owner, name="Old")
    r = update_patient(api, owner_token, patient_number="P-1", patient_name="New")
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    assert Patient.objects.get().name == "New"


def test_superuser_renames_any_patient(api, owner, superuser_token):
    make_patient("P-1", owner=owner, name="Old")
    assert (
        update_patient(api, superuser_token, patient_number="P-1", patient_name="New").content
        == b'"SUCCESS"'
    )


def test_another_users_patient_answers_as_if_it_did_not_exist(api, owner, other_token):
    make_patient("P-1", owner=owner, name="Old")
    r = update_patient(api, other_token, patient_number="P-1", patient_name="Stolen")
    assert r.status_code == 400
    assert r.content == b'"PATIENT DOES NOT EXIST"'
    assert Patient.objects.get().name == "Old"


def test_unknown_patient(api, owner_token):
    r = update_patient(api, owner_token, patient_number="P-404", patient_name="X")
    assert r.status_code == 400
    assert r.content == b'"PATIENT DOES NOT EXIST"'


def test_missing_fields(api, owner_token):
    r = update_patient(api, owner_token)
    assert r.status_code == 400
    assert (
        r.content
        == b'{"patient_name":["This field is required."],"patient_number":["This field is required."]}'
    )


def test_missing_name(api, owner, owner_token):
    make_patient("P-1", owner=owner)
    r = update_patient(api, owner_token, patient_number="P-1")
    assert r.status_code == 400
    assert r.content == b'{"patient_name":["This field is required."]}'


def test_invalid_session(api, owner):
    make_patient("P-1", owner=owner, name="Old")
    r = update_patient(api, "0" * 40, patient_number="P-1", patient_name="X")
    assert r.status_code == 401
    assert r.content == b'"INVALID TOKEN"'
