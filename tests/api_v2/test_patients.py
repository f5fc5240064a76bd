"""/api/v2/patients against the owner, another user, a superuser and no session."""

import pytest

from patients.errors import PatientNotFound
from patients.models import Patient
from patients.selectors import patient_get_for_user, patients_visible_to
from recordings.models import Recording
from tests.api_v2.conftest import PERSONAS, error_code
from tests.factories import make_device, make_patient, make_recording

pytestmark = pytest.mark.django_db

PATIENT = {"patient_number": "P-1", "name": "Ada", "owner": "owner", "devices": ["ECG-1"]}


def shown(body: dict) -> dict:
    return {key: value for key, value in body.items() if key not in ("created_at", "updated_at")}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", ["P-1"]), ("other", ["P-2"]), ("superuser", ["P-1", "P-2"]), ("anonymous", None)],
)
def test_list_shows_the_callers_patients(v2, patient, other_user, persona, expected):
    make_patient("P-2", owner=other_user)
    r = v2(persona).get("/api/v2/patients")
    if expected is None:
        assert (r.status_code, error_code(r)) == (401, "not_authenticated")
        return
    assert [p["patient_number"] for p in r.json()["results"]] == expected


def test_list_filters_by_device(v2, owner, patient):
    make_patient("P-2", owner=owner, devices=[make_device("ECG-2", users=[owner])])
    make_patient("P-3", owner=owner)
    r = v2("owner").get("/api/v2/patients?device=ECG-2")
    assert [p["patient_number"] for p in r.json()["results"]] == ["P-2"]
    r = v2("owner").get("/api/v2/patients?device=NONE")
    assert r.json()["results"] == []


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("other", 404), ("superuser", 200), ("anonymous", 401)]
)
def test_retrieve(v2, patient, persona, status):
    r = v2(persona).get("/api/v2/patients/P-1")
    assert r.status_code == status
    if status == 200:
        assert shown(r.json()) == PATIENT
    if status == 404:
        assert r.json() == v2(persona).get("/api/v2/patients/NOPE").json()
        assert error_code(r) == "patient_not_found"


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("other", 404), ("superuser", 200), ("anonymous", 401)]
)
def test_rename(v2, patient, persona, status):
    r = v2(persona).patch(
        "/api/v2/patients/P-1", {"name": "Grace"}, content_type="application/json"
    )
    assert r.status_code == status
    patient.refresh_from_db()
    assert patient.name == ("Grace" if status == 200 else "Ada")


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 204), ("other", 404), ("superuser", 204), ("anonymous", 401)]
)
def test_erase_takes_the_recordings_along(
    v2, owner, patient, device, persona, status, django_capture_on_commit_callbacks, media_files
):
    make_recording(data_id="D-1", uploader=owner, patient=patient, device=device)
    with django_capture_on_commit_callbacks(execute=True):
        r = v2(persona).delete("/api/v2/patients/P-1")
    assert r.status_code == status
    erased = status == 204
    assert Patient.objects.filter(patient_number="P-1").exists() != erased
    assert Recording.objects.exists() != erased
    assert bool(media_files()) != erased


@pytest.mark.parametrize("persona", PERSONAS)
def test_add_a_patient_on_an_own_device(v2, device, persona):
    r = v2(persona).post(
        "/api/v2/patients",
        {"patient_number": "P-NEW", "name": "New", "device": "ECG-1"},
        content_type="application/json",
    )
    expected = {"owner": 201, "other": 400, "superuser": 201, "anonymous": 401}[persona]
    assert r.status_code == expected
    if expected == 201:
        assert shown(r.json())["devices"] == ["ECG-1"]
        assert shown(r.json())["owner"] == ("owner" if persona == "owner" else "admin")
    if persona == "other":
        # Someone else's device is reported like an unknown one, and nothing is created.
        assert r.json()["fields"] == {"device": ["No device with that serial number."]}
        assert not Patient.objects.filter(patient_number="P-NEW").exists()


def test_a_taken_patient_number_is_refused(v2, patient, other_token):
    r = v2("other").post(
        "/api/v2/patients", {"patient_number": "P-1", "name": "X"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["code"] == "patient_number_taken"
    assert "patient_number" in r.json()["fields"]


def test_list_pages_through_more_patients_than_a_page(v2, owner):
    for n in range(5):
        make_patient(f"P-{n}", owner=owner)
    first = v2("owner").get("/api/v2/patients?page_size=2&ordering=-patient_number").json()
    assert [p["patient_number"] for p in first["results"]] == ["P-4", "P-3"]
    seen, url = [], first["next"]
    while url:
        body = v2("owner").get(url).json()
        seen += [p["patient_number"] for p in body["results"]]
        url = body["next"]
    assert seen == ["P-2", "P-1", "P-0"]


@pytest.mark.parametrize("size", [1, 30])
def test_list_runs_three_queries_however_many_patients(v2, owner, django_assert_num_queries, size):
    device = make_device("ECG-1", users=[owner])
    for n in range(size):
        make_patient(f"P-{n:02d}", owner=owner, devices=[device])
    client = v2("owner")
    with django_assert_num_queries(3):  # the session, one page with owners, their devices
        r = client.get("/api/v2/patients?device=ECG-1")
    assert len(r.json()["results"]) == size


def test_visible_patients_match_the_retrieve_rule(owner, other_user, superuser, patient):
    make_patient("P-2", owner=other_user)
    for user in (owner, other_user, superuser):
        visible = set(patients_visible_to(user=user).values_list("patient_number", flat=True))
        readable = set()
        for number in ("P-1", "P-2"):
            try:
                patient_get_for_user(user=user, patient_number=number)
                readable.add(number)
            except PatientNotFound:
                continue
        assert visible == readable, user
