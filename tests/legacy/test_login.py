import json
import re

import pytest

from accounts.models import Session
from tests.factories import DEFAULT_PASSWORD, make_superuser, make_user

pytestmark = pytest.mark.django_db


def test_login_returns_a_40_character_session_id(api, owner):
    r = api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    token = json.loads(r.content)
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    assert r.content == f'"{token}"'.encode()


def test_login_accepts_a_form_encoded_body_and_a_trailing_slash(api, owner):
    r = api.post("/api/login/", {"username": "owner", "password": DEFAULT_PASSWORD})
    assert r.status_code == 200
    assert len(json.loads(r.content)) == 40


def test_each_login_opens_a_new_session_and_keeps_the_others(api, owner):
    first = json.loads(
        api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD}).content
    )
    second = json.loads(
        api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD}).content
    )
    assert first != second
    for token in (first, second):
        r = api.post_json("/api/update_user", {"session_id": token})
        assert r.status_code == 200, token
    assert Session.objects.filter(user=owner).count() == 2


def test_wrong_password_is_refused(api, owner):
    r = api.post_json("/api/login", {"username": "owner", "password": "wrong"})
    assert r.status_code == 400
    assert r.content == b'"Login Failed. Check username/password."'


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api, db):
    r = api.post_json("/api/login", {"username": "nobody", "password": "wrong"})
    assert r.status_code == 400
    assert r.content == b'"Login Failed. Check username/password."'


def test_inactive_user_cannot_log_in(api, db):
    make_user("sleeper", is_active=False)
    r = api.post_json("/api/login", {"username": "sleeper", "password": DEFAULT_PASSWORD})
    assert r.status_code == 400
    assert r.content == b'"Login Failed. Check username/password."'


def test_missing_fields_are_validation_errors(api, db):
    r = api.post_json("/api/login", {})
    assert r.status_code == 400
    assert (
        r.content
        == b'{"username":["This field is required."],"password":["This field is required."]}'
    )


def test_user_made_by_createsuperuser_without_phone_number_can_log_in(api, db):
    make_superuser("root", phone_number="")
    r = api.post_json("/api/login", {"username": "root", "password": DEFAULT_PASSWORD})
    assert r.status_code == 200


def test_login_records_user_agent_and_address(api, owner):
    api.post_json(
        "/api/login",
        {"username": "owner", "password": DEFAULT_PASSWORD},
        HTTP_USER_AGENT="ECG-Firmware/2.1",
        REMOTE_ADDR="203.0.113.9",
    )
    session = Session.objects.get(user=owner)
    assert session.user_agent == "ECG-Firmware/2.1"
    assert session.client_address == "203.0.113.9"


def test_get_is_not_allowed(api, db):
    r = api.get("/api/login")
    assert r.status_code == 405
    assert r.content == b'{"detail":"Method \\"GET\\" not allowed."}'
