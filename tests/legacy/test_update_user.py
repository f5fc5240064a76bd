import pytest

from accounts.models import Session, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_updates_only_the_given_fields(api, owner, owner_token):
    r = api.post_json(
        "/api/update_user",
        {"session_id": owner_token, "first_name": "Olivia", "phone_number": "555-0100"},
    )
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    owner.refresh_from_db()
    assert (owner.first_name, owner.last_name, owner.phone_number) == (
        "Olivia",
        "Owner",
        "555-0100",
    )


def test_patch_works_like_post(api, owner, owner_token):
    r = api.patch(
        "/api/update_user",
        {"session_id": owner_token, "email": "olive@example.org"},
        content_type="application/json",
    )
    assert r.content == b'"SUCCESS"'
    owner.refresh_from_db()
    assert owner.email == "olive@example.org"


def test_username_can_change(api, owner, owner_token):
    r = api.post_json("/api/update_user", {"session_id": owner_token, "username": "olive"})
    assert r.content == b'"SUCCESS"'
    assert User.objects.filter(username="olive").exists()


def test_keeping_ones_own_username_is_fine(api, owner_token):
    r = api.post_json("/api/update_user", {"session_id": owner_token, "username": "owner"})
    assert r.content == b'"SUCCESS"'


def test_taken_username_is_a_validation_error(api, owner, owner_token, other_user):
    r = api.post_json("/api/update_user", {"session_id": owner_token, "username": "other"})
    assert r.status_code == 400
    assert r.content == b'{"username":["A user with that username already exists."]}'
    owner.refresh_from_db()
    assert owner.username == "owner"


def test_bad_email(api, owner_token):
    r = api.post_json("/api/update_user", {"session_id": owner_token, "email": "nope"})
    assert r.status_code == 400
    assert r.content == b'{"email":["Enter a valid email address."]}'


def test_invalid_session_says_fail(api, db):
    r = api.post_json("/api/update_user", {"session_id": "0" * 40, "first_name": "X"})
    assert r.status_code == 401
    assert r.content == b'"FAIL"'


def test_missing_session_is_a_validation_error(api, db):
    r = api.post_json("/api/update_user", {"first_name": "X"})
    assert r.status_code == 400
    assert r.content == b'{"session_id":["This field is required."]}'


def test_missing_session_is_reported_beside_other_errors(api, db):
    r = api.post_json("/api/update_user", {"email": "nope"})
    assert r.status_code == 400
    assert (
        r.content
        == b'{"session_id":["This field is required."],"email":["Enter a valid email address."]}'
    )


def test_user_without_phone_number_can_update(api, db):
    user = make_user("legacy", phone_number="")
    from tests.factories import make_session_token

    r = api.post_json(
        "/api/update_user", {"session_id": make_session_token(user), "last_name": "L"}
    )
    assert r.content == b'"SUCCESS"'


def test_inactive_users_sessions_do_not_authenticate(api, owner, owner_token):
    User.objects.filter(pk=owner.pk).update(is_active=False)
    r = api.post_json("/api/update_user", {"session_id": owner_token, "first_name": "X"})
    assert r.status_code == 401
    assert r.content == b'"FAIL"'
    assert Session.objects.filter(user=owner).exists()
