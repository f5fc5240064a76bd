"""Personas and shared fixtures.

`owner`, `other_user` and `superuser` each come with a session token (`owner_token`, ...);
anonymous requests simply carry none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import make_session_token, make_superuser, make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's business; the suite only needs passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db):
    return make_user("owner", first_name="Olive", last_name="Owner")


@pytest.fixture
def other_user(db):
    return make_user("other")


@pytest.fixture
def superuser(db):
    return make_superuser("admin")


@pytest.fixture
def owner_token(owner):
    return make_session_token(owner)


@pytest.fixture
def other_token(other_user):
    return make_session_token(other_user)


@pytest.fixture
def superuser_token(superuser):
    return make_session_token(superuser)


class ApiClient(Client):
    """Django's test client with a JSON shorthand; paths stay literal in the tests."""

    def post_json(self, path: str, data=None, **extra):
        return self.post(path, json.dumps(data or {}), content_type="application/json", **extra)

    def get_json(self, path: str, data=None, **extra):
        # The legacy "GET with a JSON body".
        return self.generic(
            "GET", path, json.dumps(data or {}), content_type="application/json", **extra
        )


@pytest.fixture
def api():
    return ApiClient()


DATA_DIR = Path(__file__).parent / "data"
PTB_CSV = DATA_DIR / "ptb-s0273lre-10s-1000hz-15lead.csv"


@pytest.fixture
def media_files(settings):
    """Every file under MEDIA_ROOT (stored recordings and uploads in progress), relative."""

    def list_files() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        if not root.exists():
            return []
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return list_files


@pytest.fixture
def device(owner):
    from tests.factories import make_device

    return make_device("ECG-1", users=[owner], mac_address="AA:01")


@pytest.fixture
def patient(owner, device):
    from tests.factories import make_patient

    return make_patient("P-1", owner=owner, name="Ada", devices=[device])


def verified_admin_client(client, user):
    """A client logged in to the admin with a password and a verified TOTP device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
