import pytest

from accounts.models import Session

pytestmark = pytest.mark.django_db


def test_logout_revokes_the_session(api, owner, owner_token):
    r = api.post_json("/api/logout", {"session_id": owner_token})
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    assert not Session.objects.filter(user=owner).exists()
    assert api.post_json("/api/update_user", {"session_id": owner_token}).status_code == 401


def test_logout_twice_says_already_logged_out(api, owner_token):
    api.post_json("/api/logout", {"session_id": owner_token})
    r = api.post_json("/api/logout", {"session_id": owner_token})
    assert r.status_code == 200
    assert r.content == b'"Already Logged Out."'


def test_logout_of_an_unknown_session(api, db):
    r = api.post_json("/api/logout", {"session_id": "f" * 40})
    assert r.status_code == 200
    assert r.content == b'"Already Logged Out."'


def test_logout_of_an_expired_session_says_already_logged_out(api, owner, owner_token):
    Session.objects.filter(user=owner).update(expires_at="2000-01-01T00:00:00Z")
    r = api.post_json("/api/logout", {"session_id": owner_token})
    assert r.content == b'"Already Logged Out."'
    assert not Session.objects.exists()


def test_logout_keeps_the_users_other_sessions(api, owner, owner_token):
    from tests.factories import make_session_token

    phone = make_session_token(owner)
    api.post_json("/api/logout", {"session_id": owner_token})
    assert api.post_json("/api/update_user", {"session_id": phone}).status_code == 200


def test_logout_with_the_session_in_a_header(api, owner_token):
    r = api.post("/api/logout", HTTP_AUTHORIZATION=f"Token {owner_token}")
    assert r.content == b'"SUCCESS"'


def test_logout_without_a_session_is_a_validation_error(api, db):
    r = api.post_json("/api/logout", {})
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


def test_logout_with_a_non_string_session(api, db):
    r = api.post_json("/api/logout", {"session_id": 12345})
    assert r.status_code == 200
    assert r.content == b'"Already Logged Out."'
