"""Throttling of failed logins, password-reset attempts and device claims.

Counters live in the database so that every worker process sees the same numbers. Each scope
(`login`, `password_reset`, `device_claim`) counts per identity (account, client address,
device) in a fixed window; the limits come from `settings.ATTEMPT_LIMITS`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import AttemptCounter
from ecg_server.errors import TooManyAttempts


def _counter_key(scope: str, kind: str, value: str) -> str:
    # Hashed so that raw usernames and addresses are not kept, and keys have a fixed length.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]
    return f"{scope}:{kind}:{digest}"


def _keys(scope: str, identities: dict[str, str | None]) -> dict[str, str]:
    return {_counter_key(scope, kind, value): kind for kind, value in identities.items() if value}


def attempt_limit_check(*, scope: str, identities: dict[str, str | None]) -> None:
    """Raise `TooManyAttempts` when any identity has used up its attempts in this window."""
    limits = settings.ATTEMPT_LIMITS[scope]
    keys = _keys(scope, identities)
    now = timezone.now()
    live = AttemptCounter.objects.filter(key__in=keys, window_ends_at__gt=now)
    for counter in live:
        if counter.count >= limits[keys[counter.key]]:
            raise TooManyAttempts((counter.window_ends_at - now).total_seconds())


def attempt_record(*, scope: str, identities: dict[str, str | None]) -> None:
    """Count one attempt against every identity."""
    window = settings.ATTEMPT_LIMITS[scope]["window"]
    for key in _keys(scope, identities):
        _increment(key, window=window)


def attempt_clear(*, scope: str, identities: dict[str, str | None]) -> None:
    AttemptCounter.objects.filter(key__in=_keys(scope, identities)).delete()


def _increment(key: str, *, window) -> None:
    now = timezone.now()
    counters = AttemptCounter.objects.filter(key=key)
    if counters.filter(window_ends_at__gt=now).update(count=F("count") + 1):
        return
    # No live window: start a new one, replacing an expired counter.
    counters.filter(window_ends_at__lte=now).delete()
    try:
        with transaction.atomic():
            AttemptCounter.objects.create(key=key, count=1, window_ends_at=now + window)
    except IntegrityError:  # another process started the window first
        counters.update(count=F("count") + 1)


def attempts_purge_expired() -> int:
    deleted, _ = AttemptCounter.objects.filter(window_ends_at__lte=timezone.now()).delete()
    return deleted
