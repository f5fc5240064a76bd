"""/api/v2/devices against the owner, another user, a superuser and no session."""

import pytest

from audit.models import AuditEvent
from devices.errors import DeviceNotFound
from devices.models import Device, DeviceLink
from devices.selectors import device_get_for_user, devices_visible_to
from ecg_server.errors import PermissionDenied
from tests.api_v2.conftest import PERSONAS, error_code
from tests.factories import make_device

pytestmark = pytest.mark.django_db

DEVICE = {
    "serial_number": "ECG-1",
    "name": "DefaultDevice",
    "mac_address": "AA:01",
    "lead_count": 12,
    "firmware_version_id": " N/A ",
    "firmware_version_number": " N/A ",
}


def shown(body: dict) -> dict:
    return {key: value for key, value in body.items() if key not in ("created_at", "updated_at")}


def snapshot():
    return (
        sorted(Device.objects.values_list("serial_number", "name", "lead_count")),
        sorted(DeviceLink.objects.values_list("user__username", "device__serial_number")),
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", ["ECG-1"]), ("other", []), ("superuser", ["ECG-1", "ECG-2"]), ("anonymous", None)],
)
def test_list_shows_the_devices_the_caller_may_use(v2, device, persona, expected):
    make_device("ECG-2")
    r = v2(persona).get("/api/v2/devices")
    if expected is None:
        assert (r.status_code, error_code(r)) == (401, "not_authenticated")
        return
    assert r.status_code == 200
    assert [d["serial_number"] for d in r.json()["results"]] == expected


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("other", 404), ("superuser", 200), ("anonymous", 401)]
)
def test_retrieve(v2, device, persona, status):
    r = v2(persona).get("/api/v2/devices/ECG-1")
    assert r.status_code == status
    if status == 200:
        assert shown(r.json()) == DEVICE
    if status == 404:
        # Someone else's device answers exactly as a missing one, and the attempt is audited.
        assert r.json() == v2(persona).get("/api/v2/devices/NOPE").json()
        assert error_code(r) == "device_not_found"
        assert AuditEvent.objects.filter(action="access.denied").exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 200), ("other", 404), ("superuser", 200), ("anonymous", 401)]
)
def test_update(v2, device, persona, status):
    before = snapshot()
    r = v2(persona).patch(
        "/api/v2/devices/ECG-1",
        {"name": "Ward 4", "lead_count": 3, "firmware_version_id": " fw-2 "},
        content_type="application/json",
    )
    assert r.status_code == status
    if status == 200:
        assert shown(r.json()) == {
            **DEVICE,
            "name": "Ward 4",
            "lead_count": 3,
            "firmware_version_id": " fw-2 ",
        }
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("persona", "status"), [("owner", 204), ("other", 404), ("superuser", 204), ("anonymous", 401)]
)
def test_delete(v2, device, persona, status):
    r = v2(persona).delete("/api/v2/devices/ECG-1")
    assert r.status_code == status
    assert Device.objects.filter(serial_number="ECG-1").exists() == (status != 204)


@pytest.mark.parametrize("persona", PERSONAS)
def test_register_a_new_device(v2, persona):
    r = v2(persona).post(
        "/api/v2/devices",
        {"serial_number": "ECG-NEW", "mac_address": "AA:99", "lead_count": 6},
        content_type="application/json",
    )
    if persona == "anonymous":
        assert r.status_code == 401
        assert not Device.objects.exists()
        return
    assert r.status_code == 201
    assert shown(r.json())["lead_count"] == 6
    assert DeviceLink.objects.filter(device__serial_number="ECG-NEW").count() == 1


@pytest.mark.parametrize(
    ("persona", "mac", "status"),
    [
        ("other", "AA:01", 201),  # proves possession with the registered MAC
        ("other", "AA:02", 403),
        ("other", None, 403),
        ("superuser", None, 201),
        ("owner", None, 201),  # already linked: a no-op
    ],
)
def test_claim_a_known_device_needs_its_mac(v2, device, persona, mac, status):
    body = {"serial_number": "ECG-1"} | ({"mac_address": mac} if mac else {})
    r = v2(persona).post("/api/v2/devices", body, content_type="application/json")
    assert r.status_code == status
    if status == 403:
        assert error_code(r) == "permission_denied"
    assert Device.objects.count() == 1


def test_list_pages_through_more_devices_than_a_page(v2, owner):
    for n in range(7):
        make_device(f"ECG-{n:02d}", users=[owner])
    seen, url = [], "/api/v2/devices?page_size=3"
    while url:
        body = v2("owner").get(url).json()
        seen += [d["serial_number"] for d in body["results"]]
        url = body["next"]
    assert seen == [f"ECG-{n:02d}" for n in range(7)]


@pytest.mark.parametrize("size", [1, 30])
def test_list_runs_two_queries_however_many_devices(v2, owner, django_assert_num_queries, size):
    for n in range(size):
        make_device(f"ECG-{n:02d}", users=[owner], firmware=("a", "b"))
    client = v2("owner")
    with django_assert_num_queries(2):  # the session, one page with firmware joined
        r = client.get("/api/v2/devices")
    assert len(r.json()["results"]) == size


def test_visible_devices_match_the_retrieve_rule(owner, other_user, superuser, device):
    make_device("ECG-2", users=[other_user])
    for user in (owner, other_user, superuser):
        visible = set(devices_visible_to(user=user).values_list("serial_number", flat=True))
        readable = set()
        for serial in ("ECG-1", "ECG-2"):
            try:
                device_get_for_user(user=user, serial_number=serial)
                readable.add(serial)
            except (DeviceNotFound, PermissionDenied):
                continue
        assert visible == readable, user
