"""A device deleted by another request between lookup and update is a clean refusal."""

import pytest

from devices.errors import DeviceNotFound
from devices.models import Device, FirmwareInfo
from devices.services import device_update
from tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes", [{"name": "Ward 9"}, {"firmware_version_id": "2.0"}], ids=["device", "firmware"]
)
def test_updating_a_device_deleted_meanwhile_is_device_not_found(owner, changes):
    looked_up = make_device("ECG-GONE", users=[owner])
    Device.objects.filter(pk=looked_up.pk).delete()  # another request's delete
    with pytest.raises(DeviceNotFound):
        device_update(device=looked_up, **changes)
    assert not Device.objects.exists()
    assert not FirmwareInfo.objects.exists()
