import pytest

from devices.models import Device, DeviceLink
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def add_device(api, token, **fields):
    return api.post_json("/api/add_device", {"session_id": token, **fields})


def test_new_serial_creates_the_device_with_defaults_and_links_it(api, owner, owner_token):
    r = add_device(api, owner_token, serial_number="ECG-1")
    assert r.status_code == 201
    assert r.content == b'"SUCCESS"'
    device = Device.objects.get(serial_number="ECG-1")
    assert (device.name, device.mac_address, device.lead_count) == ("DefaultDevice", "N/A", 12)
    assert (device.firmware.version_id, device.firmware.version_number) == (" N/A ", " N/A ")
    assert list(device.users.all()) == [owner]


def test_new_serial_with_every_field(api, owner_token):
    r = add_device(
        api,
        owner_token,
        serial_number="ECG-2",
        device_name="Ward 3",
        Mac_id="AA:BB",
        Num_of_Leads=3,
    )
    assert r.status_code == 201
    device = Device.objects.get(serial_number="ECG-2")
    assert (device.name, device.mac_address, device.lead_count) == ("Ward 3", "AA:BB", 3)


def test_num_of_leads_may_come_as_a_numeric_string_in_a_form(api, owner_token):
    r = api.post(
        "/api/add_device",
        {"session_id": owner_token, "serial_number": "ECG-3", "Num_of_Leads": "5"},
    )
    assert r.status_code == 201
    assert Device.objects.get(serial_number="ECG-3").lead_count == 5


def test_adding_ones_own_device_again_succeeds(api, owner, owner_token):
    make_device("ECG-4", users=[owner])
    r = add_device(api, owner_token, serial_number="ECG-4")
    assert r.status_code == 201
    assert r.content == b'"SUCCESS"'
    assert DeviceLink.objects.filter(device__serial_number="ECG-4").count() == 1


def test_claiming_someone_elses_device_with_its_mac_links_it(api, owner, other_user, other_token):
    make_device("ECG-5", users=[owner], mac_address="AA:BB:CC:DD:EE:05")
    r = add_device(api, other_token, serial_number="ECG-5", Mac_id="aa:bb:cc:dd:ee:05")
    assert r.status_code == 201
    assert r.content == b'"SUCCESS"'
    assert set(Device.objects.get(serial_number="ECG-5").users.all()) == {owner, other_user}


def test_claiming_someone_elses_device_without_its_mac_is_refused(
    api, owner, other_user, other_token
):
    make_device("ECG-6", users=[owner], mac_address="AA:BB:CC:DD:EE:06")
    for mac in (None, "AA:BB:CC:DD:EE:99", ""):
        fields = {"serial_number": "ECG-6"} | ({} if mac is None else {"Mac_id": mac})
        r = add_device(api, other_token, **fields)
        assert r.status_code == 401
        assert r.content == b'"UNAUTHORIZED"'
    assert not DeviceLink.objects.filter(user=other_user).exists()


def test_a_device_without_a_registered_mac_cannot_be_claimed(api, owner, other_user, other_token):
    make_device("ECG-7", users=[owner], mac_address="N/A")
    r = add_device(api, other_token, serial_number="ECG-7", Mac_id="N/A")
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'


def test_a_superuser_may_link_any_device(api, owner, superuser, superuser_token):
    make_device("ECG-8", users=[owner], mac_address="N/A")
    r = add_device(api, superuser_token, serial_number="ECG-8")
    assert r.status_code == 201
    assert DeviceLink.objects.filter(user=superuser, device__serial_number="ECG-8").exists()


def test_claiming_does_not_change_the_device(api, owner, other_token):
    make_device("ECG-9", users=[owner], mac_address="AA:01", name="Original", lead_count=12)
    add_device(
        api,
        other_token,
        serial_number="ECG-9",
        Mac_id="AA:01",
        device_name="Hijack",
        Num_of_Leads=1,
    )
    device = Device.objects.get(serial_number="ECG-9")
    assert (device.name, device.lead_count) == ("Original", 12)


def test_missing_serial(api, owner_token):
    r = add_device(api, owner_token)
    assert r.status_code == 400
    assert r.content == b'{"serial_number":["This field is required."]}'


def test_non_integer_num_of_leads(api, owner_token):
    r = add_device(api, owner_token, serial_number="ECG-10", Num_of_Leads="twelve")
    assert r.status_code == 400
    assert r.content == b'{"Num_of_Leads":["A valid integer is required."]}'
    assert not Device.objects.exists()


def test_missing_session_and_serial(api, db):
    r = api.post_json("/api/add_device", {})
    assert r.status_code == 400
    assert (
        r.content
        == b'{"session_id":["This field is required."],"serial_number":["This field is required."]}'
    )


def test_invalid_session(api, db):
    r = add_device(api, "0" * 40, serial_number="ECG-11")
    assert r.status_code == 401
    assert r.content == b'"INVALID AUTH"'
    assert not Device.objects.exists()


def test_serial_numbers_differing_in_case_are_different_devices(
    api, owner, other_user, other_token
):
    make_device("ECG-ABC", users=[owner])
    r = add_device(api, other_token, serial_number="ecg-abc")
    assert r.status_code == 201
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["ECG-ABC", "ecg-abc"]
    assert list(Device.objects.get(serial_number="ECG-ABC").users.all()) == [owner]


def test_surrounding_whitespace_in_a_serial_is_ignored(api, owner, owner_token):
    make_device("ECG-12", users=[owner])
    assert add_device(api, owner_token, serial_number="  ECG-12 ").status_code == 201
    assert Device.objects.count() == 1
