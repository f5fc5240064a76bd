from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Session
from accounts.services import session_resolve

pytestmark = pytest.mark.django_db


def update_user(api, token):
    return api.post_json("/api/update_user", {"session_id": token})


def test_idle_session_expires(api, owner, owner_token, settings):
    settings.API_SESSION_IDLE_TIMEOUT = timedelta(hours=1)
    Session.objects.update(last_used_at=timezone.now() - timedelta(hours=1, seconds=1))
    r = update_user(api, owner_token)
    assert r.status_code == 401
    assert r.content == b'"FAIL"'
    assert not Session.objects.exists()


def test_recent_use_keeps_the_session_alive(api, owner_token, settings):
    settings.API_SESSION_IDLE_TIMEOUT = timedelta(hours=1)
    Session.objects.update(last_used_at=timezone.now() - timedelta(minutes=59))
    assert update_user(api, owner_token).status_code == 200


def test_session_expires_at_its_absolute_lifetime_however_busy(api, owner_token):
    Session.objects.update(
        expires_at=timezone.now() - timedelta(seconds=1), last_used_at=timezone.now()
    )
    assert update_user(api, owner_token).status_code == 401


def test_absolute_lifetime_comes_from_settings(owner, settings):
    from accounts.services import session_create

    settings.API_SESSION_LIFETIME = timedelta(days=2)
    session, _ = session_create(user=owner)
    assert session.expires_at - session.created_at == timedelta(days=2)


def test_last_used_time_is_not_written_on_every_request(
    api, owner_token, django_assert_num_queries
):
    recent = timezone.now() - timedelta(seconds=5)
    Session.objects.update(last_used_at=recent)
    with django_assert_num_queries(1):  # the session lookup only; no UPDATE
        assert session_resolve(token=owner_token) is not None
    assert Session.objects.get().last_used_at == recent


def test_last_used_time_is_written_after_the_touch_interval(owner_token):
    stale = timezone.now() - timedelta(minutes=5)
    Session.objects.update(last_used_at=stale)
    session_resolve(token=owner_token)
    assert Session.objects.get().last_used_at > stale


def test_only_a_hash_of_the_token_is_stored(owner_token):
    session = Session.objects.get()
    assert owner_token not in session.token_hash
    assert len(session.token_hash) == 64


def test_revoked_session_in_admin_stops_authenticating(api, owner_token):
    Session.objects.all().delete()
    assert update_user(api, owner_token).status_code == 401


def test_tokens_are_unique_and_random(owner):
    from accounts.services import session_create

    tokens = {session_create(user=owner)[1] for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 40 for t in tokens)
