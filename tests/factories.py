"""Test data builders."""

from __future__ import annotations

import itertools

from accounts.models import User
from accounts.services import session_create

DEFAULT_PASSWORD = "Sinus-Rhythm-72"
_sequence = itertools.count(1)


def make_user(username: str | None = None, *, password: str = DEFAULT_PASSWORD, **fields) -> User:
    number = next(_sequence)
    fields.setdefault("email", f"user{number}@example.com")
    user = User(username=username or f"user{number}", **fields)
    user.set_password(password)
    user.save()
    return user


def make_superuser(username: str | None = None, **fields) -> User:
    return make_user(username, is_staff=True, is_superuser=True, **fields)


def make_session_token(user: User) -> str:
    _, token = session_create(user=user, user_agent="pytest", client_address="127.0.0.1")
    return token
