"""Guessing a device's MAC address to claim it is throttled, on both APIs."""

import pytest

from devices.models import DeviceLink
from tests.factories import make_device, make_session_token, make_user

pytestmark = pytest.mark.django_db

MAC = "aa:bb:cc:dd:ee:01"


@pytest.fixture
def owned_device(owner):
    return make_device("ECG-MAC", users=[owner], mac_address=MAC)


def legacy_claim(api, token, mac):
    return api.post_json(
        "/api/add_device", {"session_id": token, "serial_number": "ECG-MAC", "Mac_id": mac}
    )


def test_wrong_macs_are_refused_then_throttled_even_for_the_right_one(
    api, settings, owned_device, other_user, other_token
):
    settings.ATTEMPT_LIMITS = {
        **settings.ATTEMPT_LIMITS,
        "device_claim": {**settings.ATTEMPT_LIMITS["device_claim"], "account": 3},
    }
    for guess in range(3):
        r = legacy_claim(api, other_token, f"aa:bb:cc:dd:ee:{guess + 10:02x}")
        assert (r.status_code, r.content) == (401, b'"UNAUTHORIZED"')
    r = legacy_claim(api, other_token, MAC)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "detail" in r.json()
    assert not DeviceLink.objects.filter(user=other_user).exists()


def test_a_rename_does_not_reset_the_count_and_others_are_not_locked_out(
    api, settings, owned_device, other_user, other_token
):
    settings.ATTEMPT_LIMITS = {
        **settings.ATTEMPT_LIMITS,
        "device_claim": {**settings.ATTEMPT_LIMITS["device_claim"], "account": 2},
    }
    for _ in range(2):
        assert legacy_claim(api, other_token, "00:00:00:00:00:00").status_code == 401
    other_user.username = "renamed"
    other_user.save()
    assert legacy_claim(api, other_token, MAC).status_code == 429
    # The guesses of one account never lock the device for someone who has its MAC.
    colleague_token = make_session_token(make_user("colleague"))
    assert legacy_claim(api, colleague_token, MAC).status_code == 201


def v2_claim(client, token, mac):
    return client.post(
        "/api/v2/devices",
        {"serial_number": "ECG-MAC", "mac_address": mac},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(("limit", "then"), [(2, 201), (1, 429)])
def test_the_v2_api_counts_wrong_guesses_too(
    client, settings, owned_device, other_user, other_token, limit, then
):
    """One wrong guess, then the right MAC: linked within the limit, refused past it."""
    settings.ATTEMPT_LIMITS = {
        **settings.ATTEMPT_LIMITS,
        "device_claim": {**settings.ATTEMPT_LIMITS["device_claim"], "account": limit},
    }
    r = v2_claim(client, other_token, "00:00:00:00:00:00")
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    r = v2_claim(client, other_token, MAC)
    assert r.status_code == then, r.content
    assert DeviceLink.objects.filter(user=other_user).exists() == (then == 201)
    if then == 429:
        assert r.json()["code"] == "too_many_attempts"
