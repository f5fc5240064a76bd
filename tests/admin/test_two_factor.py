"""The admin requires a TOTP second factor for staff."""

import base64
import re

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def enrol(username: str) -> pyotp.TOTP:
    from io import StringIO

    out = StringIO()
    call_command("enroll_totp", username, stdout=out)
    key = re.search(r"\(TOTP, SHA-1, 6 digits, 30 s\): ([A-Z2-7]+)", out.getvalue()).group(1)
    assert "otpauth://totp/" in out.getvalue()
    return pyotp.TOTP(key)


def admin_login(client, username, password, token, device):
    return client.post(
        "/admin/login/?next=/admin/",
        {
            "username": username,
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": token,
        },
    )


def test_a_password_alone_does_not_open_the_admin(client, superuser):
    client.force_login(superuser)  # a valid Django session, but no second factor
    r = client.get("/admin/")
    assert r.status_code == 302
    assert r["Location"].startswith("/admin/login/")


def test_password_and_current_code_open_the_admin(client, superuser):
    totp = enrol("admin")
    device = TOTPDevice.objects.get(user=superuser)
    r = admin_login(client, "admin", DEFAULT_PASSWORD, totp.now(), device)
    assert r.status_code == 302
    assert r["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, superuser):
    totp = enrol("admin")
    device = TOTPDevice.objects.get(user=superuser)
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    r = admin_login(client, "admin", DEFAULT_PASSWORD, wrong, device)
    assert r.status_code == 200  # the login form again, with an error
    assert client.get("/admin/").status_code == 302


def test_the_key_is_the_devices_secret(superuser):
    totp = enrol("admin")
    device = TOTPDevice.objects.get(user=superuser)
    assert base64.b32decode(totp.secret + "=" * (-len(totp.secret) % 8)) == device.bin_key
    assert device.verify_token(totp.now())


def test_only_staff_can_be_enrolled(db):
    make_user("nurse")
    with pytest.raises(CommandError, match="not staff"):
        call_command("enroll_totp", "nurse")


def test_replace_removes_old_authenticators(superuser):
    enrol("admin")
    call_command("enroll_totp", "admin", "--replace", stdout=__import__("io").StringIO())
    assert TOTPDevice.objects.filter(user=superuser).count() == 1


def test_admin_session_cookie_is_secure(client, superuser):
    totp = enrol("admin")
    device = TOTPDevice.objects.get(user=superuser)
    r = admin_login(client, "admin", DEFAULT_PASSWORD, totp.now(), device)
    assert r.cookies["sessionid"]["secure"] is True
    assert r.cookies["sessionid"]["httponly"] is True
