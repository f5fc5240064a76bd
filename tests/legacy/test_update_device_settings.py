import pytest

from devices.models import Device
from tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(owner):
    return make_device("ECG-1", users=[owner], name="Holter", mac_address="AA:01", lead_count=12)


def update(api, token, **fields):
    return api.post_json(
        "/api/update_device_settings", {"session_id": token, "serial_number": "ECG-1", **fields}
    )


def test_updates_only_the_given_fields(api, device, owner_token):
    r = update(api, owner_token, device_name="Ward 5", Firmware_version_number="3.1.0")
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    device = Device.objects.select_related("firmware").get()
    assert (device.name, device.mac_address, device.lead_count) == ("Ward 5", "AA:01", 12)
    assert (device.firmware.version_id, device.firmware.version_number) == (" N/A ", "3.1.0")


def test_updates_every_field(api, device, owner_token):
    update(
        api,
        owner_token,
        device_name="N",
        Firmware_version_id="fw-9",
        Firmware_version_number="9",
        Mac_id="BB:02",
        Num_of_Leads=1,
    )
    device = Device.objects.select_related("firmware").get()
    assert (device.name, device.mac_address, device.lead_count) == ("N", "BB:02", 1)
    assert (device.firmware.version_id, device.firmware.version_number) == ("fw-9", "9")


def test_firmware_of_an_admin_made_device_is_created(api, owner, owner_token):
    from devices.models import DeviceLink

    device = Device.objects.create(serial_number="ECG-1")
    DeviceLink.objects.create(user=owner, device=device)
    assert update(api, owner_token, Firmware_version_id="fw-1").content == b'"SUCCESS"'
    assert Device.objects.get().firmware.version_id == "fw-1"


def test_get_ota_shows_the_update(api, device, owner_token):
    update(api, owner_token, Firmware_version_id="fw-2")
    r = api.get_json("/api/get_ota", {"session_id": owner_token, "serial_number": "ECG-1"})
    assert b'"Firmware_Version_id":"fw-2"' in r.content


def test_superuser_may_update_any_device(api, device, superuser_token):
    assert update(api, superuser_token, device_name="By admin").content == b'"SUCCESS"'


def test_a_user_not_linked_is_refused(api, device, other_token):
    r = update(api, other_token, device_name="Mine now")
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'
    assert Device.objects.get().name == "Holter"


def test_unknown_device(api, owner_token):
    r = update(api, owner_token, device_name="x")
    assert r.status_code == 400
    assert r.content == b'"DEVICE DOES NOT EXIST"'


def test_bad_values(api, device, owner_token):
    r = update(api, owner_token, Num_of_Leads="many")
    assert r.status_code == 400
    assert r.content == b'{"Num_of_Leads":["A valid integer is required."]}'


def test_missing_serial(api, owner_token):
    r = api.post_json("/api/update_device_settings", {"session_id": owner_token})
    assert r.status_code == 400
    assert r.content == b'{"serial_number":["This field is required."]}'


def test_invalid_session(api, device):
    r = update(api, "0" * 40, device_name="x")
    assert r.status_code == 401
    assert r.content == b'"INVALID SESSION"'
