import pytest

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "nurse",
    "password": "Correct-Horse-9",
    "Confirm_Password": "Correct-Horse-9",
    "first_name": "Nina",
    "last_name": "Nurse",
    "email": "nina@example.com",
    "phone_number": "+44 20 7946 0000",
}


def test_superuser_creates_a_user(api, superuser_token):
    r = api.post_json("/api/create_user", {"session_id": superuser_token, **NEW_USER})
    assert r.status_code == 200
    assert r.content == b'"SUCCESS"'
    user = User.objects.get(username="nurse")
    assert user.check_password("Correct-Horse-9")
    assert (user.first_name, user.last_name, user.email, user.phone_number) == (
        "Nina",
        "Nurse",
        "nina@example.com",
        "+44 20 7946 0000",
    )
    assert not user.is_staff and not user.is_superuser and user.is_active


def test_session_may_come_in_a_header(api, superuser_token):
    r = api.post_json("/api/create_user", NEW_USER, HTTP_AUTHORIZATION=f"Bearer {superuser_token}")
    assert r.content == b'"SUCCESS"'


def test_absent_optional_fields_are_stored_empty(api, superuser_token):
    r = api.post_json(
        "/api/create_user",
        {
            "session_id": superuser_token,
            "username": "bare",
            "password": "Correct-Horse-9",
            "Confirm_Password": "Correct-Horse-9",
        },
    )
    assert r.content == b'"SUCCESS"'
    user = User.objects.get(username="bare")
    assert (user.first_name, user.last_name, user.email, user.phone_number) == ("", "", "", "")


def test_without_a_session_is_refused(api, db):
    r = api.post_json("/api/create_user", NEW_USER)
    assert r.status_code == 401
    assert r.content == b'"INVALID SESSION"'
    assert not User.objects.filter(username="nurse").exists()


def test_with_an_unknown_session_is_refused(api, db):
    r = api.post_json("/api/create_user", {"session_id": "0" * 40, **NEW_USER})
    assert r.status_code == 401
    assert r.content == b'"INVALID SESSION"'


def test_non_superuser_is_refused(api, owner_token):
    r = api.post_json("/api/create_user", {"session_id": owner_token, **NEW_USER})
    assert r.status_code == 401
    assert r.content == b'"UNAUTHORIZED"'
    assert not User.objects.filter(username="nurse").exists()


def test_self_registration_setting_opens_it_to_anyone(api, db, settings):
    settings.ALLOW_SELF_REGISTRATION = True
    r = api.post_json("/api/create_user", NEW_USER)
    assert r.content == b'"SUCCESS"'


def test_password_confirmation_mismatch(api, superuser_token):
    r = api.post_json(
        "/api/create_user",
        {"session_id": superuser_token, **NEW_USER, "Confirm_Password": "Other-Horse-9"},
    )
    assert r.status_code == 406
    assert r.content == b'"Check Password and Confirm Password"'


def test_missing_fields(api, superuser_token):
    r = api.post_json("/api/create_user", {"session_id": superuser_token})
    assert r.status_code == 406
    assert r.content == (
        b'{"username":["This field is required."],"password":["This field is required."],'
        b'"Confirm_Password":["This field is required."]}'
    )


def test_taken_username(api, superuser_token):
    make_user("nurse")
    r = api.post_json("/api/create_user", {"session_id": superuser_token, **NEW_USER})
    assert r.status_code == 406
    assert r.content == b'{"username":["A user with that username already exists."]}'


def test_taken_username_differing_only_in_case(api, superuser_token):
    make_user("Nurse")
    r = api.post_json("/api/create_user", {"session_id": superuser_token, **NEW_USER})
    assert r.status_code == 406
    assert r.content == b'{"username":["A user with that username already exists."]}'


def test_bad_email(api, superuser_token):
    r = api.post_json(
        "/api/create_user", {"session_id": superuser_token, **NEW_USER, "email": "not-an-email"}
    )
    assert r.status_code == 406
    assert r.content == b'{"email":["Enter a valid email address."]}'


def test_weak_password_is_rejected_by_the_validators(api, superuser_token):
    r = api.post_json(
        "/api/create_user",
        {
            "session_id": superuser_token,
            **NEW_USER,
            "password": "12345678",
            "Confirm_Password": "12345678",
        },
    )
    assert r.status_code == 406
    assert r.content == (
        b'{"password":["This password is too common.","This password is entirely numeric."]}'
    )
    assert not User.objects.filter(username="nurse").exists()


def test_password_similar_to_the_username_is_rejected(api, superuser_token):
    r = api.post_json(
        "/api/create_user",
        {
            "session_id": superuser_token,
            **NEW_USER,
            "username": "cardiologist",
            "password": "cardiologist1",
            "Confirm_Password": "cardiologist1",
        },
    )
    assert r.status_code == 406
    assert r.content == b'{"password":["The password is too similar to the username."]}'


def test_created_user_can_log_in(api, superuser_token):
    api.post_json("/api/create_user", {"session_id": superuser_token, **NEW_USER})
    r = api.post_json("/api/login", {"username": "nurse", "password": "Correct-Horse-9"})
    assert r.status_code == 200
