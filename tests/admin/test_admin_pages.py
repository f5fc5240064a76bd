"""The admin pages administrators use, rendered for real."""

import pytest

from accounts.models import Session
from devices.models import Device
from tests.conftest import verified_admin_client
from tests.factories import make_device, make_patient, make_session_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    return verified_admin_client(client, superuser)


@pytest.fixture
def world(owner):
    device = make_device("ECG-77", users=[owner], mac_address="AA:BB:CC:00:11:22", name="Ward 7")
    make_patient("P-4242", owner=owner, name="Ada Lovelace", devices=[device])
    make_session_token(owner)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/devices/device/?q=ECG-77", b"ECG-77"),
        ("/admin/devices/device/?q=AA:BB:CC:00:11:22", b"ECG-77"),
        ("/admin/devices/device/?lead_count=12", b"ECG-77"),
        ("/admin/devices/devicelink/?q=owner", b"ECG-77"),
        ("/admin/devices/firmwareinfo/?q=ECG-77", b"ECG-77"),
        ("/admin/patients/patient/?q=P-4242", b"Ada Lovelace"),
        ("/admin/patients/patient/?q=Lovelace", b"P-4242"),
        ("/admin/patients/patientdevicelink/?q=P-4242", b"ECG-77"),
        ("/admin/accounts/user/?q=owner", b"owner"),
        ("/admin/accounts/session/?q=owner", b"owner"),
    ],
)
def test_changelists_search_and_filter(admin_client, world, path, expected):
    r = admin_client.get(path)
    assert r.status_code == 200
    assert expected in r.content


def test_device_page_shows_firmware_users_and_patients_inline(admin_client, world):
    device = Device.objects.get()
    r = admin_client.get(f"/admin/devices/device/{device.pk}/change/")
    assert r.status_code == 200
    for text in (b"firmware", b"owner", b"P-4242"):
        assert text in r.content


def test_user_page_lists_sessions(admin_client, owner, world):
    r = admin_client.get(f"/admin/accounts/user/{owner.pk}/change/")
    assert r.status_code == 200
    assert b"API sessions" in r.content


def test_revoking_sessions_in_the_admin(admin_client, owner, world, api):
    token = make_session_token(owner)
    ids = list(Session.objects.values_list("pk", flat=True))
    r = admin_client.post(
        "/admin/accounts/session/", {"action": "revoke", "_selected_action": ids}, follow=True
    )
    assert r.status_code == 200
    assert not Session.objects.exists()
    assert api.post_json("/api/update_user", {"session_id": token}).status_code == 401


def test_admin_links_a_device_without_a_mac_to_another_user(admin_client, owner, other_user):
    device = make_device("ECG-NOMAC", users=[owner], mac_address="N/A")
    r = admin_client.post(
        f"/admin/devices/device/{device.pk}/change/",
        {
            "serial_number": "ECG-NOMAC",
            "name": device.name,
            "mac_address": "N/A",
            "lead_count": 12,
            "firmware-TOTAL_FORMS": 1,
            "firmware-INITIAL_FORMS": 1,
            "firmware-0-device": device.pk,
            "firmware-0-version_id": " N/A ",
            "firmware-0-version_number": " N/A ",
            "links-TOTAL_FORMS": 2,
            "links-INITIAL_FORMS": 1,
            "links-0-id": device.links.get().pk,
            "links-0-device": device.pk,
            "links-0-user": owner.pk,
            "links-1-device": device.pk,
            "links-1-user": other_user.pk,
            "patient_links-TOTAL_FORMS": 0,
            "patient_links-INITIAL_FORMS": 0,
        },
    )
    assert r.status_code == 302, r.content[:2000]
    assert set(device.users.all()) == {owner, other_user}


def test_recordings_list_search_and_permission_checked_download(admin_client, owner, world, client):
    from patients.models import Patient
    from recordings.models import Recording
    from tests.factories import make_recording, make_user

    patient = Patient.objects.get()
    make_recording(
        data_id="REC-55",
        uploader=owner,
        patient=patient,
        device=Device.objects.get(),
        content=b"ecg bytes",
    )
    r = admin_client.get("/admin/recordings/recording/?q=P-4242")
    assert r.status_code == 200
    assert b"REC-55" in r.content
    assert admin_client.get("/admin/recordings/recording/?q=REC-55").content.count(b"REC-55") >= 1
    recording = Recording.objects.get()
    assert (
        admin_client.get(f"/admin/recordings/recording/{recording.pk}/change/").status_code == 200
    )

    r = admin_client.get(f"/admin/recordings/recording/{recording.pk}/download/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == b"ecg bytes"

    # Staff without the view permission get no bytes.
    staff = make_user("clerk", is_staff=True)
    client.logout()
    verified_admin_client(client, staff)
    r = client.get(f"/admin/recordings/recording/{recording.pk}/download/")
    assert r.status_code == 403


def test_no_public_media_url_serves_recordings(client, owner, world):
    from patients.models import Patient
    from tests.factories import make_recording

    recording = make_recording(
        data_id="REC-56", uploader=owner, patient=Patient.objects.get(), content=b"secret"
    )
    assert client.get(f"/media/{recording.file.name}").status_code == 404
