import copy
from datetime import timedelta

import pytest

from accounts.models import AttemptCounter
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    limits = copy.deepcopy(settings.ATTEMPT_LIMITS)
    limits["login"].update(window=timedelta(minutes=15), account=3, address=5)
    limits["password_reset"].update(window=timedelta(hours=1), account=2, address=4)
    settings.ATTEMPT_LIMITS = limits


def login(api, username="owner", password="wrong", address="198.51.100.7", **extra):
    return api.post_json(
        "/api/login", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_failed_logins_past_the_account_limit_get_429(api, owner, tight_limits):
    for _ in range(3):
        assert login(api).status_code == 400
    r = login(api)
    assert r.status_code == 429
    assert r["Content-Type"] == "application/json"
    assert 0 < int(r["Retry-After"]) <= 900
    assert (
        r.content
        == f'{{"detail":"Too many attempts. Try again in {r["Retry-After"]} seconds."}}'.encode()
    )


def test_the_right_password_is_refused_too_while_locked(api, owner, tight_limits):
    for _ in range(3):
        login(api)
    assert login(api, password=DEFAULT_PASSWORD).status_code == 429


def test_the_account_limit_holds_across_client_addresses(api, owner, tight_limits):
    for n in range(3):
        login(api, address=f"198.51.100.{n + 1}")
    assert login(api, address="198.51.100.99").status_code == 429


def test_failed_logins_past_the_address_limit_get_429_for_any_account(api, owner, tight_limits):
    for n in range(5):
        assert login(api, username=f"guess{n}").status_code == 400
    assert login(api, username="owner", password=DEFAULT_PASSWORD).status_code == 429
    # Another address is unaffected.
    assert login(api, password=DEFAULT_PASSWORD, address="192.0.2.1").status_code == 200


def test_a_successful_login_clears_the_account_counter(api, owner, tight_limits):
    for _ in range(2):
        login(api)
    assert login(api, password=DEFAULT_PASSWORD).status_code == 200
    for _ in range(2):
        assert login(api).status_code == 400


def test_the_lock_lifts_when_the_window_ends(api, owner, tight_limits):
    for _ in range(3):
        login(api)
    AttemptCounter.objects.update(window_ends_at="2000-01-01T00:00:00Z")
    assert login(api, password=DEFAULT_PASSWORD).status_code == 200


def test_counters_live_in_the_database_shared_by_all_workers(api, owner, tight_limits):
    login(api)
    login(api)
    counts = sorted(AttemptCounter.objects.values_list("count", flat=True))
    assert counts == [2, 2]  # one per account, one per address
    assert all(
        "owner" not in key and "198.51" not in key
        for key in AttemptCounter.objects.values_list("key", flat=True)
    )


def test_a_forged_forwarded_for_header_is_ignored(api, owner, tight_limits):
    for n in range(5):
        login(api, username=f"guess{n}", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    assert login(api, username="x", HTTP_X_FORWARDED_FOR="10.9.9.200").status_code == 429


def test_forwarded_for_from_a_trusted_proxy_names_the_client(api, owner, tight_limits, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    for n in range(5):
        login(api, username=f"guess{n}", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert (
        login(
            api, username="x", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
        ).status_code
        == 429
    )
    r = login(
        api, password=DEFAULT_PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert r.status_code == 200


def test_a_client_cannot_prepend_its_way_past_a_trusted_proxy(api, owner, tight_limits, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(5):
        login(
            api,
            username=f"g{n}",
            address="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5",
        )
    r = login(api, username="x", address="127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    assert r.status_code == 429


def test_password_reset_requests_are_throttled_per_account(api, owner, tight_limits, mailoutbox):
    body = {"username": "owner", "email": owner.email}
    for n in range(2):
        assert (
            api.post_json("/api/forgot_password", body, REMOTE_ADDR=f"192.0.2.{n}").status_code
            == 200
        )
    r = api.post_json("/api/forgot_password", body, REMOTE_ADDR="192.0.2.50")
    assert r.status_code == 429
    assert len(mailoutbox) == 2


def test_password_reset_throttle_does_not_reveal_accounts(api, db, tight_limits):
    body = {"username": "ghost", "email": "ghost@example.com"}
    codes = [api.post_json("/api/forgot_password", body).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_wrong_codes_count_towards_the_password_reset_limit(api, owner, tight_limits):
    body = {
        "username": "owner",
        "email": owner.email,
        "OTP": "000000",
        "new_password": "Abc-12345-x",
        "new_password_confirm": "Abc-12345-x",
    }
    assert api.post_json("/api/forgot_password", body).status_code == 406
    assert api.post_json("/api/forgot_password", body).status_code == 406
    assert api.post_json("/api/forgot_password", body).status_code == 429
