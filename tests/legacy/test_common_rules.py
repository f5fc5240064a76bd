"""The contract's common rules: where the session may come from, bodies, paths and errors."""

import logging

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "how",
    ["json_body", "form_body", "query_string", "token_header", "bearer_header"],
)
def test_the_session_is_found_wherever_the_contract_allows(api, owner_token, how):
    path = "/api/update_user"
    if how == "json_body":
        r = api.post_json(path, {"session_id": owner_token})
    elif how == "form_body":
        r = api.post(path, {"session_id": owner_token})
    elif how == "query_string":
        r = api.post_json(f"{path}?session_id={owner_token}", {})
    elif how == "token_header":
        r = api.post_json(path, {}, HTTP_AUTHORIZATION=f"Token {owner_token}")
    else:
        r = api.post_json(path, {}, HTTP_AUTHORIZATION=f"Bearer {owner_token}")
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'


def test_a_non_string_session_is_an_invalid_session(api, db):
    r = api.post_json("/api/update_user", {"session_id": ["a", "b"]})
    assert r.status_code == 401
    assert r.content == b'"FAIL"'


def test_an_unknown_authorization_scheme_counts_as_no_session(api, db):
    r = api.post_json("/api/update_user", {}, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


def test_unknown_fields_are_ignored(api, owner_token):
    r = api.post_json("/api/update_user", {"session_id": owner_token, "favourite_lead": "V5"})
    assert r.content == b'"SUCCESS"'


def test_malformed_json_is_a_json_400(api, db):
    r = api.post("/api/login", b'{"username": "owner",', content_type="application/json")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert r.content.startswith(b'{"detail":"JSON parse error - ')


def test_a_json_list_instead_of_an_object_is_a_validation_error(api, db):
    r = api.post("/api/login", b"[1, 2]", content_type="application/json")
    assert r.status_code == 400
    assert (
        r.content == b'{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}'
    )


def test_an_unsupported_content_type_is_a_json_415(api, db):
    r = api.post("/api/login", b"<xml/>", content_type="application/xml")
    assert r.status_code == 415
    assert r.content == b'{"detail":"Unsupported media type \\"application/xml\\" in request."}'


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/login/extra", "/api/", "/api/get_data/../../etc/passwd"]
)
def test_unknown_api_paths_are_a_json_404(api, db, path):
    r = api.post(path)
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert r.content == b'{"detail":"Not found."}'


def test_unknown_api_paths_are_json_even_in_debug(api, db, settings):
    settings.DEBUG = True
    r = api.get("/api/nope")
    assert r.status_code == 404
    assert r.content == b'{"detail":"Not found."}'


def test_a_crash_is_a_logged_json_500_without_a_stack_trace(api, owner, monkeypatch, caplog):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("accounts.legacy.user_login", explode)
    with caplog.at_level(logging.ERROR, logger="ecg_server.api"):
        r = api.post_json("/api/login", {"username": "owner", "password": "x"})
    assert r.status_code == 500
    assert r.content == b'{"detail":"Internal server error."}'
    assert "RuntimeError: secret internals" in caplog.text


def test_a_lost_database_is_a_json_503(api, owner, monkeypatch):
    from django.db import OperationalError

    def unavailable(**kwargs):
        raise OperationalError("(2006, 'MySQL server has gone away')")

    monkeypatch.setattr("accounts.legacy.user_login", unavailable)
    r = api.post_json("/api/login", {"username": "owner", "password": "x"})
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert r.content == b'{"detail":"Service temporarily unavailable. Try again shortly."}'


def test_admin_keeps_its_html_404(client, db):
    r = client.get("/admin/no-such-page/")
    assert r.status_code in (302, 404)
    assert not r["Content-Type"].startswith("application/json")
