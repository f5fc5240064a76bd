"""One error shape with stable codes; Bearer-only sessions shared with the legacy API."""

import json

import pytest
from django.test import Client

from accounts.models import Session
from audit.models import AuditEvent
from tests.api_v2.conftest import error_code
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_404_in_the_v2_shape(v2):
    for path in ("/api/v2/nothing", "/api/v2/devices/ECG-1/extra", "/api/v2", "/api/v2/"):
        r = v2("owner").get(path)
        assert r.status_code == 404, path
        assert r.json() == {"code": "not_found", "message": "No such endpoint.", "fields": {}}


def test_legacy_unknown_paths_keep_their_own_404_body(api):
    r = api.get("/api/nothing")
    assert (r.status_code, r.content) == (404, b'{"detail":"Not found."}')


def test_no_session_is_401_with_a_bearer_challenge(v2):
    r = v2("anonymous").get("/api/v2/me")
    assert r.status_code == 401
    assert error_code(r) == "not_authenticated"
    assert r["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer nonsense", "Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"],
)
def test_a_bad_bearer_header_is_401(authorization):
    r = Client(headers={"authorization": authorization}).get("/api/v2/me")
    assert r.status_code == 401
    assert error_code(r) == "not_authenticated"


def test_the_token_is_read_from_the_bearer_header_only(owner_token):
    # Not from the query string (it would land in access logs), nor a Token header, nor a body.
    assert Client().get(f"/api/v2/me?session_id={owner_token}").status_code == 401
    token_header = Client(headers={"authorization": f"Token {owner_token}"})
    assert token_header.get("/api/v2/me").status_code == 401
    r = Client().patch(
        "/api/v2/me",
        {"session_id": owner_token, "first_name": "X"},
        content_type="application/json",
    )
    assert r.status_code == 401


def test_a_revoked_session_is_401(v2, owner_token, api):
    api.post_json("/api/logout", {"session_id": owner_token})
    r = v2("owner").get("/api/v2/me")
    assert (r.status_code, error_code(r)) == (401, "not_authenticated")


def test_login_opens_a_session_that_both_apis_accept(owner, api):
    r = Client().post(
        "/api/v2/login",
        {"username": "owner", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and len(body["session_id"]) == 40
    token = body["session_id"]
    assert Client(headers={"authorization": f"Bearer {token}"}).get("/api/v2/me").status_code == 200
    legacy = api.get_json("/api/show_devices", {"session_id": token})
    assert legacy.status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=owner).exists()


def test_a_legacy_login_session_works_on_v2(owner, api):
    token = api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD}).json()
    r = Client(headers={"authorization": f"Bearer {token}"}).get("/api/v2/me")
    assert r.json()["username"] == "owner"


def test_wrong_password_is_invalid_credentials(owner):
    r = Client().post(
        "/api/v2/login", {"username": "owner", "password": "nope"}, content_type="application/json"
    )
    assert (r.status_code, error_code(r)) == (400, "invalid_credentials")


def test_login_throttling_is_shared_with_the_legacy_login(owner, api, settings):
    settings.ATTEMPT_LIMITS = {
        **settings.ATTEMPT_LIMITS,
        "login": {**settings.ATTEMPT_LIMITS["login"], "account": 2},
    }
    for _ in range(2):
        api.post_json("/api/login", {"username": "owner", "password": "wrong"})
    r = Client().post(
        "/api/v2/login",
        {"username": "owner", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert (r.status_code, error_code(r)) == (429, "too_many_attempts")
    assert int(r["Retry-After"]) > 0


def test_logout_revokes_only_the_callers_session(v2, owner, owner_token):
    second = Client().post(
        "/api/v2/login",
        {"username": "owner", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    r = v2("owner").post("/api/v2/logout")
    assert (r.status_code, r.content) == (204, b"")
    assert v2("owner").get("/api/v2/me").status_code == 401
    assert v2(second.json()["session_id"]).get("/api/v2/me").status_code == 200
    assert Session.objects.filter(user=owner).count() == 1


def test_logout_without_a_session_is_401(v2):
    assert v2("anonymous").post("/api/v2/logout").status_code == 401


# --- me ---------------------------------------------------------------------------------------


def test_me_reads_the_callers_profile(v2):
    r = v2("owner").get("/api/v2/me")
    assert r.json() == {
        "username": "owner",
        "first_name": "Olive",
        "last_name": "Owner",
        "email": r.json()["email"],
        "phone_number": "",
        "is_superuser": False,
    }
    assert v2("superuser").get("/api/v2/me").json()["is_superuser"] is True


def test_me_changes_only_the_fields_given_and_audits(v2, owner):
    r = v2("owner").patch(
        "/api/v2/me", {"first_name": "Ada", "is_superuser": True}, content_type="application/json"
    )
    assert r.status_code == 200
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name, owner.is_superuser) == ("Ada", "Owner", False)
    assert AuditEvent.objects.filter(action="user.update", actor=owner).exists()


def test_me_refuses_a_username_taken_in_another_case(v2, other_user):
    r = v2("owner").patch("/api/v2/me", {"username": "OTHER"}, content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "username_taken"
    assert "username" in r.json()["fields"]


# --- bad input --------------------------------------------------------------------------------


def test_malformed_json_is_a_parse_error(v2):
    r = v2("owner").patch("/api/v2/me", b'{"first_name": ', content_type="application/json")
    assert (r.status_code, error_code(r)) == (400, "parse_error")


def test_json_nested_too_deeply_is_a_parse_error(v2):
    body = "[" * 100_000 + "]" * 100_000
    r = v2("owner").patch("/api/v2/me", body, content_type="application/json")
    assert (r.status_code, error_code(r)) == (400, "parse_error")


def test_a_form_body_is_unsupported(v2):
    r = v2("owner").post("/api/v2/devices", {"serial_number": "X"})  # multipart
    assert (r.status_code, error_code(r)) == (415, "unsupported_media_type")


def test_wrong_types_are_validation_errors_naming_each_field(v2):
    r = v2("owner").post(
        "/api/v2/devices",
        {"serial_number": ["a"], "lead_count": "many", "name": None},
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"serial_number", "lead_count", "name"}
    assert all(isinstance(m, str) for messages in body["fields"].values() for m in messages)


def test_a_json_list_body_is_a_validation_error(v2):
    r = v2("owner").patch("/api/v2/me", [1, 2], content_type="application/json")
    assert r.status_code == 400
    assert r.json()["fields"] == {"non_field_errors": [r.json()["fields"]["non_field_errors"][0]]}


@pytest.mark.parametrize(
    "value", ["a\x00b", "x" * 10_000, "\ud800", "'; DROP TABLE devices; --", "<script>"]
)
def test_hostile_strings_never_cause_a_server_error(v2, value):
    body = json.dumps({"serial_number": value, "name": value}).encode()
    r = v2("owner").post("/api/v2/devices", body, content_type="application/json")
    assert r.status_code in (201, 400), r.content
    if r.status_code == 400:
        assert error_code(r) == "validation_error"


def test_an_oversized_json_body_is_413(v2, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    r = v2("owner").post("/api/v2/devices", body, content_type="application/json")
    assert (r.status_code, error_code(r)) == (413, "payload_too_large")


def test_an_unsupported_method_is_405(v2):
    r = v2("owner").delete("/api/v2/me")
    assert (r.status_code, error_code(r)) == (405, "method_not_allowed")


def test_an_image_accept_header_does_not_turn_json_into_406(v2):
    r = v2("owner").get("/api/v2/me", headers={"accept": "image/png"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v2/login", "/api/v2/me", "/api/v2/devices", "/api/v2/recordings/D-1"]
)
def test_options_is_405_not_a_server_error(v2, path):
    r = v2("owner").options(path)
    assert (r.status_code, error_code(r)) == (405, "method_not_allowed")
    assert "OPTIONS" not in r["Allow"]


def test_a_profile_without_an_email_reads_as_empty(v2, owner):
    owner.email = ""
    owner.save()
    assert v2("owner").get("/api/v2/me").json()["email"] == ""
