import re

import pytest
from django.utils import timezone

from accounts.models import PasswordResetCode, Session
from tests.factories import make_session_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-Electrode-42"


def request_code(api, username="owner", email="owner1@example.com"):
    return api.post_json("/api/forgot_password", {"username": username, "email": email})


def code_from(mail) -> str:
    return re.search(r"\b(\d{6})\b", mail.body).group(1)


def reset(api, otp, *, username="owner", email=None, new=NEW_PASSWORD, confirm=None):
    return api.post_json(
        "/api/forgot_password",
        {
            "username": username,
            "email": email,
            "OTP": otp,
            "new_password": new,
            "new_password_confirm": new if confirm is None else confirm,
        },
    )


@pytest.fixture
def owner_email(owner):
    return owner.email


def test_mode_1_mails_a_six_digit_code(api, owner, mailoutbox):
    r = request_code(api, email=owner.email)
    assert r.status_code == 200
    assert r.content == b'"OTP Sent to registered mail."'
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]
    assert re.fullmatch(r"\d{6}", code_from(mailoutbox[0]))


def test_mode_1_answers_the_same_for_an_unknown_pair(api, owner, mailoutbox):
    for username, email in (("nobody", "x@example.com"), ("owner", "wrong@example.com")):
        r = request_code(api, username=username, email=email)
        assert r.status_code == 200
        assert r.content == b'"OTP Sent to registered mail."'
    assert mailoutbox == []
    assert not PasswordResetCode.objects.exists()


def test_mode_1_missing_fields(api, db):
    r = api.post_json("/api/forgot_password", {})
    assert r.status_code == 406
    assert (
        r.content == b'{"username":["This field is required."],"email":["This field is required."]}'
    )


def test_mode_2_sets_the_password_and_revokes_every_session(api, owner, mailoutbox):
    token = make_session_token(owner)
    request_code(api, email=owner.email)
    r = reset(api, code_from(mailoutbox[0]), email=owner.email)
    assert r.status_code == 200
    assert r.content == b'"Password Updated Successfully."'
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert not Session.objects.filter(user=owner).exists()
    assert api.post_json("/api/update_user", {"session_id": token}).status_code == 401
    assert (
        api.post_json("/api/login", {"username": "owner", "password": NEW_PASSWORD}).status_code
        == 200
    )


def test_the_code_works_only_once(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    otp = code_from(mailoutbox[0])
    assert reset(api, otp, email=owner.email).status_code == 200
    r = reset(api, otp, email=owner.email, new="Another-Lead-77")
    assert r.status_code == 406
    assert r.content == b'"INVALID OTP"'


def test_an_expired_code_is_refused(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    PasswordResetCode.objects.filter(user=owner).update(expires_at=timezone.now())
    r = reset(api, code_from(mailoutbox[0]), email=owner.email)
    assert r.status_code == 406
    assert r.content == b'"INVALID OTP"'
    owner.refresh_from_db()
    assert not owner.check_password(NEW_PASSWORD)


def test_the_lifetime_comes_from_settings(api, owner, mailoutbox, settings):
    from datetime import timedelta

    settings.OTP_LIFETIME = timedelta(minutes=3)
    request_code(api, email=owner.email)
    code = PasswordResetCode.objects.get(user=owner)
    assert code.expires_at - code.created_at == timedelta(minutes=3)
    assert "3 minutes" in mailoutbox[0].body


def test_a_wrong_code_is_refused(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    otp = code_from(mailoutbox[0])
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    r = reset(api, wrong, email=owner.email)
    assert r.status_code == 406
    assert r.content == b'"INVALID OTP"'


def test_five_wrong_guesses_burn_the_code(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    otp = code_from(mailoutbox[0])
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert reset(api, wrong, email=owner.email).content == b'"INVALID OTP"'
    assert not PasswordResetCode.objects.exists()
    r = reset(api, otp, email=owner.email)
    assert r.content == b'"INVALID OTP"'


def test_no_code_exists_until_mode_1_issued_one(api, owner):
    # The old server accepted 000000 for any account that had never asked for a code.
    r = reset(api, "000000", email=owner.email)
    assert r.status_code == 406
    assert r.content == b'"INVALID OTP"'


def test_a_new_request_replaces_the_previous_code(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    request_code(api, email=owner.email)
    first, second = code_from(mailoutbox[0]), code_from(mailoutbox[1])
    assert PasswordResetCode.objects.filter(user=owner).count() == 1
    if first != second:
        assert reset(api, first, email=owner.email).content == b'"INVALID OTP"'
    assert reset(api, second, email=owner.email).content == b'"Password Updated Successfully."'


def test_the_code_of_one_account_does_not_open_another(api, owner, other_user, mailoutbox):
    request_code(api, email=owner.email)
    r = reset(api, code_from(mailoutbox[0]), username="other", email=other_user.email)
    assert r.content == b'"INVALID OTP"'


def test_a_wrong_username_email_pair_is_refused(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    r = reset(api, code_from(mailoutbox[0]), email="someone.else@example.com")
    assert r.status_code == 406
    assert r.content == b'"INVALID OTP"'


def test_both_new_passwords_are_required(api, owner):
    r = api.post_json(
        "/api/forgot_password",
        {"username": "owner", "email": owner.email, "OTP": "123456", "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 406
    assert r.content == b'"Please enter both new_password and new_password_confirm."'


def test_new_passwords_must_match(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    r = reset(api, code_from(mailoutbox[0]), email=owner.email, confirm="Different-Lead-42")
    assert r.status_code == 406
    assert r.content == b'"Password and Confirm Password not same"'
    owner.refresh_from_db()
    assert not owner.check_password(NEW_PASSWORD)


def test_a_weak_new_password_is_rejected_and_the_code_survives(api, owner, mailoutbox):
    request_code(api, email=owner.email)
    otp = code_from(mailoutbox[0])
    r = reset(api, otp, email=owner.email, new="password")
    assert r.status_code == 406
    assert r.content == b'{"new_password":["This password is too common."]}'
    assert reset(api, otp, email=owner.email).content == b'"Password Updated Successfully."'


def test_mode_2_missing_username_and_email(api, db):
    r = api.post_json(
        "/api/forgot_password", {"OTP": "123456", "new_password": "a", "new_password_confirm": "a"}
    )
    assert r.status_code == 406
    assert (
        r.content == b'{"username":["This field is required."],"email":["This field is required."]}'
    )
