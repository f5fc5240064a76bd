"""Personas and shared fixtures.

`owner`, `other_user` and `superuser` each come with a session token (`owner_token`, ...);
anonymous requests simply carry none.
"""

from __future__ import annotations

import json

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
