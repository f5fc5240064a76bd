"""Account workflows: sessions, users and password resets."""

from __future__ import annotations

import hashlib
import logging
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.attempts import attempt_clear, attempt_limit_check, attempt_record
from accounts.errors import (
    InvalidCredentials,
    OtpInvalid,
    PasswordRejected,
    UsernameTaken,
)
from accounts.models import PasswordResetCode, Session, User
from audit.models import AuditEvent
from audit.services import audit_record
from ecg_server.errors import AuthenticationRequired, PermissionDenied, TooManyAttempts

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Sessions


def _token_hash(token: str) -> str:
    # A plain SHA-256 suffices: tokens carry 160 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def session_create(
    *, user: User, user_agent: str = "", client_address: str | None = None
) -> tuple[Session, str]:
    """Open a new session for `user` and return it with its token (never stored in clear)."""
    # 40 hex characters: the length devices reserve for it, with 160 bits of randomness.
    token = secrets.token_hex(20)
    now = timezone.now()
    session = Session.objects.create(
        user=user,
        token_hash=_token_hash(token),
        created_at=now,
        last_used_at=now,
        expires_at=now + settings.API_SESSION_LIFETIME,
        user_agent=user_agent[:255],
        client_address=client_address,
    )
    return session, token


def session_resolve(*, token: str) -> Session | None:
    """The live session for `token`, or None when it is unknown, expired or its user inactive.

    Records the last use, but at most once per `API_SESSION_TOUCH_INTERVAL`, so that most
    authenticated requests run a single query.
    """
    try:  # token_hash is unique; get() compiles a cheaper query than first()'s ORDER BY
        session = Session.objects.select_related("user").get(token_hash=_token_hash(token))
    except Session.DoesNotExist:
        return None
    if not session.user.is_active:
        return None
    now = timezone.now()
    if session.is_expired(now=now, idle_timeout=settings.API_SESSION_IDLE_TIMEOUT):
        session.delete()
        return None
    if now - session.last_used_at >= settings.API_SESSION_TOUCH_INTERVAL:
        Session.objects.filter(pk=session.pk).update(last_used_at=now)
        session.last_used_at = now
    return session


def session_revoke(*, token: str) -> bool:
    """Revoke the session of `token`; True when a live session was revoked."""
    session = Session.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
    if session is None:
        return False
    was_live = session.user.is_active and not session.is_expired(
        now=timezone.now(), idle_timeout=settings.API_SESSION_IDLE_TIMEOUT
    )
    with transaction.atomic():
        audit_record(
            action="logout", actor=session.user, obj=session.user, detail={"session": session.pk}
        )
        session.delete()
    return was_live


def session_revoke_all(*, user: User) -> int:
    deleted, _ = Session.objects.filter(user=user).delete()
    return deleted


def sessions_purge_expired() -> int:
    now = timezone.now()
    idle_cutoff = now - settings.API_SESSION_IDLE_TIMEOUT
    expired = Session.objects.filter(expires_at__lte=now) | Session.objects.filter(
        last_used_at__lte=idle_cutoff
    )
    deleted, _ = expired.delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# Login


def user_login(
    *, username: str, password: str, client_address: str | None, user_agent: str = ""
) -> str:
    """Check the credentials and open a new session; the user's other sessions stay valid.

    Failures are counted per account and per address; past the limit every attempt is refused
    with `TooManyAttempts`, the right password included, until the window ends.
    """
    identities = {"account": username, "address": client_address}
    try:
        attempt_limit_check(scope="login", identities=identities)
    except TooManyAttempts:
        audit_record(action="login", outcome=AuditEvent.DENIED, detail={"username": username[:150]})
        raise
    user = authenticate(username=username, password=password)
    if user is None:
        attempt_record(scope="login", identities=identities)
        audit_record(
            action="login", outcome=AuditEvent.FAILURE, detail={"username": username[:150]}
        )
        raise InvalidCredentials()
    attempt_clear(scope="login", identities={"account": username})
    with transaction.atomic():
        session, token = session_create(
            user=user, user_agent=user_agent, client_address=client_address
        )
        audit_record(action="login", actor=user, obj=user, detail={"session": session.pk})
    user_logged_in.send(sender=User, request=None, user=user)
    return token


# ---------------------------------------------------------------------------------------------
# Users


def username_is_taken(username: str, *, excluding: User | None = None) -> bool:
    # Case-insensitive on every database, so SQLite agrees with MariaDB's default collation.
    users = User.objects.filter(username__iexact=username)
    if excluding is not None:
        users = users.exclude(pk=excluding.pk)
    return users.exists()


def password_check(*, password: str, user: User, field: str) -> None:
    """Run Django's password validators, raising `PasswordRejected` with their messages."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise PasswordRejected(field=field, messages=list(exc.messages)) from None


def user_creation_authorize(*, actor: User | AnonymousUser) -> None:
    """create_user is reserved for superusers, unless self-registration is open."""
    if settings.ALLOW_SELF_REGISTRATION:
        return
    if not actor.is_authenticated:
        raise AuthenticationRequired()
    if not actor.is_superuser:
        raise PermissionDenied()


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone_number: str = "",
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
    )
    password_check(password=password, user=user, field="password")
    if username_is_taken(username):
        raise UsernameTaken()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            audit_record(action="user.create", obj=user)
    except IntegrityError:  # a concurrent create took the name between check and insert
        raise UsernameTaken() from None
    return user


USER_UPDATABLE_FIELDS = ("username", "first_name", "last_name", "email", "phone_number")


def user_update(*, user: User, **changes: str) -> User:
    """Change only the given profile fields."""
    unknown = set(changes) - set(USER_UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not updatable: {', '.join(sorted(unknown))}")
    if "username" in changes and username_is_taken(changes["username"], excluding=user):
        raise UsernameTaken()
    if not changes:
        return user
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(changes))
            audit_record(action="user.update", obj=user, detail={"fields": sorted(changes)})
    except IntegrityError:
        raise UsernameTaken() from None
    return user


# ---------------------------------------------------------------------------------------------
# Password reset


def _otp_hash(user: User, otp: str) -> str:
    # Keyed with SECRET_KEY: a six-digit code hashed without a key falls to brute force.
    return salted_hmac(
        "accounts.password_reset_code", f"{user.pk}:{otp}", algorithm="sha256"
    ).hexdigest()


def _user_for_reset(username: str, email: str) -> User | None:
    if not email:
        return None
    return (
        User.objects.filter(username=username, email__iexact=email, is_active=True)
        .order_by("pk")
        .first()
    )


def password_reset_request(*, username: str, email: str, client_address: str | None) -> None:
    """E-mail a new one-time code when the pair matches an active account.

    Behaves identically whether or not it matches, so callers cannot learn which accounts exist.
    """
    identities = {"account": username, "address": client_address}
    attempt_limit_check(scope="password_reset", identities=identities)
    attempt_record(scope="password_reset", identities=identities)
    user = _user_for_reset(username, email)
    audit_record(
        action="password_reset.request",
        outcome=AuditEvent.SUCCESS if user else AuditEvent.FAILURE,
        object_type="user",
        object_id=user.username if user else "",
        detail={"username": username[:150], "matched": user is not None},
    )
    if user is None:
        return
    otp = pyotp.HOTP(pyotp.random_base32(), digits=6).at(0)
    now = timezone.now()
    # One code per user: a new request replaces the previous one.
    PasswordResetCode.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": _otp_hash(user, otp),
            "created_at": now,
            "expires_at": now + settings.OTP_LIFETIME,
            "failed_attempts": 0,
        },
    )
    minutes = max(1, int(settings.OTP_LIFETIME.total_seconds() // 60))
    try:
        send_mail(
            subject="Your ECG Server password reset code",
            message=(
                f"Your password reset code is {otp}.\n\n"
                f"It expires in {minutes} minutes and works once. If you did not ask to reset "
                "your password, ignore this message."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:
        # The answer must not differ from the no-such-account case; the operator sees the log.
        logger.exception("Could not send the password reset e-mail to user %s", user.pk)


def _otp_matches(*, user: User | None, otp: str) -> bool:
    """Check `otp` against the user's outstanding code, burning it after too many wrong guesses.

    The check commits its own bookkeeping, so a wrong guess counts even though the caller fails.
    """
    if user is None:
        return False
    with transaction.atomic():
        code = PasswordResetCode.objects.select_for_update().filter(user=user).first()
        if code is None:
            return False
        if code.expires_at <= timezone.now():
            code.delete()
            return False
        if constant_time_compare(code.code_hash, _otp_hash(user, otp)):
            return True
        code.failed_attempts += 1
        if code.failed_attempts >= settings.OTP_MAX_ATTEMPTS:
            code.delete()
        else:
            code.save(update_fields=["failed_attempts"])
        return False


def password_reset_complete(
    *, username: str, email: str, otp: str, new_password: str, client_address: str | None
) -> User:
    """Set a new password with a code from `password_reset_request`; revokes every session."""
    identities = {"account": username, "address": client_address}
    attempt_limit_check(scope="password_reset", identities=identities)
    user = _user_for_reset(username, email)
    if not _otp_matches(user=user, otp=otp):
        attempt_record(scope="password_reset", identities=identities)
        audit_record(
            action="password_reset.complete",
            outcome=AuditEvent.FAILURE,
            detail={"username": username[:150], "reason": "invalid code"},
        )
        raise OtpInvalid()
    password_check(password=new_password, user=user, field="new_password")
    with transaction.atomic():
        # Consuming the code under a lock makes it single-use even against a concurrent request.
        consumed, _ = PasswordResetCode.objects.filter(
            user=user, code_hash=_otp_hash(user, otp)
        ).delete()
        if not consumed:
            raise OtpInvalid()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        revoked = session_revoke_all(user=user)
        audit_record(
            action="password_reset.complete",
            actor=user,
            obj=user,
            detail={"sessions_revoked": revoked},
        )
    attempt_clear(scope="password_reset", identities={"account": username})
    return user
