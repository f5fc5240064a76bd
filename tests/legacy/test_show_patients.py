import pytest

from tests.factories import make_device, make_patient

pytestmark = pytest.mark.django_db


def test_lists_the_callers_patients(api, owner, other_user, owner_token):
    make_patient("P-2", owner=owner, name="Bob")
    make_patient("P-1", owner=owner, name="Ada")
    make_patient("P-3", owner=other_user, name="Eve")
    r = api.post_json("/api/show_patients", {"session_id": owner_token})
    assert r.status_code == 200
    assert r.content == (
        b'{"status":"SUCCESS","data":[{"patient_number":"P-1","patient_name":"Ada"},'
        b'{"patient_number":"P-2","patient_name":"Bob"}]}'
    )


def test_only_those_linked_to_the_given_device(api, owner, owner_token):
    device = make_device("ECG-1", users=[owner])
    make_patient("P-1", owner=owner, name="Ada", devices=[device])
    make_patient("P-2", owner=owner, name="Bob")
    r = api.get_json("/api/show_patients", {"session_id": owner_token, "serial_number": "ECG-1"})
    assert (
        r.content == b'{"status":"SUCCESS","data":[{"patient_number":"P-1","patient_name":"Ada"}]}'
    )


def test_another_users_patients_on_a_shared_device_stay_hidden(api, owner, other_user, owner_token):
    device = make_device("ECG-1", users=[owner, other_user])
    make_patient("P-9", owner=other_user, devices=[device])
    r = api.get(f"/api/show_patients?session_id={owner_token}&serial_number=ECG-1")
    assert r.content == b'{"status":"SUCCESS","data":[]}'


def test_unknown_device_gives_an_empty_list(api, owner, owner_token):
    make_patient("P-1", owner=owner)
    r = api.post_json("/api/show_patients", {"session_id": owner_token, "serial_number": "NOPE"})
    assert r.content == b'{"status":"SUCCESS","data":[]}'


def test_invalid_session(api, db):
    r = api.post_json("/api/show_patients", {"session_id": "0" * 40})
    assert r.status_code == 401
    assert r.content == b'{"status":"FAIL","error":"INVALID TOKEN"}'


def test_missing_session(api, db):
    r = api.post_json("/api/show_patients", {})
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


@pytest.mark.parametrize("serial", [None, "ECG-1"])
def test_query_count_does_not_grow_with_the_number_of_patients(
    api, owner, owner_token, serial, django_assert_num_queries
):
    device = make_device("ECG-1", users=[owner])
    body = {"session_id": owner_token} | ({"serial_number": serial} if serial else {})
    for _ in range(30):
        make_patient(owner=owner, devices=[device])
    with django_assert_num_queries(2):  # session + patient list
        r = api.post_json("/api/show_patients", body)
    assert r.content.count(b"patient_number") == 30
