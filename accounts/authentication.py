"""Session-id authentication for the API.

The legacy contract lets a client send its `session_id` in an `Authorization: Token|Bearer <id>`
header, the JSON or form body, or the query string. A request that carries none is anonymous (each
view decides whether that is a validation error); one whose session is unknown, revoked, expired or
belongs to an inactive user raises `InvalidSession`, which each legacy view answers with its own
message from the contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import Session, User
from accounts.services import session_resolve

SESSION_FIELD = "session_id"
HEADER_KEYWORDS = (b"token", b"bearer")


class InvalidSession(AuthenticationFailed):
    default_detail = "Invalid or expired session."
    default_code = "invalid_session"


def find_session_token(request: Request) -> str | None:
    """The session token the request carries, or None when it carries none.

    Raises `InvalidSession` for a value that cannot be a token (a number, a list, an object).
    """
    parts = get_authorization_header(request).split()
    if len(parts) == 2 and parts[0].lower() in HEADER_KEYWORDS:
        try:
            return parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise InvalidSession() from None
    body: Any = request.data
    value = body.get(SESSION_FIELD) if isinstance(body, Mapping) else None
    if value is None or value == "":
        value = request.query_params.get(SESSION_FIELD)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidSession()
    return value


class SessionTokenAuthentication(BaseAuthentication):
    """Authenticates a request by its API session token; `request.auth` is the `Session`."""

    def authenticate(self, request: Request) -> tuple[User, Session] | None:
        token = self.find_token(request)
        if token is None:
            return None
        session = session_resolve(token=token)
        if session is None:
            raise InvalidSession()
        return session.user, session

    def find_token(self, request: Request) -> str | None:
        return find_session_token(request)

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated requests on non-legacy views.
        return 'Bearer realm="api"'


def find_bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <id>` header, or None when there is no such header.

    Raises `InvalidSession` for a Bearer header that cannot hold a token (no value, several
    values, non-ASCII bytes).
    """
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise InvalidSession()
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise InvalidSession() from None


class BearerSessionAuthentication(SessionTokenAuthentication):
    """The clinician API's authentication: the same sessions, from the Bearer header only.

    The body and the query string are never read for a token, so a raw upload body is never
    parsed and a token never lands in a URL (and so in access logs).
    """

    def find_token(self, request: Request) -> str | None:
        return find_bearer_token(request)
