"""Writing the audit log. Call `audit_record` inside the transaction of the change it records."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models

from accounts.models import Session, User
from audit.context import current_request
from audit.models import AuditEvent
from ecg_server.request_info import client_address

logger = logging.getLogger(__name__)


def audit_record(
    *,
    action: str,
    outcome: str = AuditEvent.SUCCESS,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    actor: User | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Actor, session and address come from the current request unless given."""
    request = current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    session = getattr(request, "auth", None) if request is not None else None
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or str(_natural_id(obj))
    return AuditEvent.objects.create(
        action=action,
        outcome=outcome,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        session_id=session.pk if isinstance(session, Session) else None,
        object_type=object_type,
        object_id=object_id[:150],
        client_address=client_address(request) if request is not None else None,
        detail=detail or {},
    )


def _natural_id(obj: models.Model) -> object:
    # The identifier people search for: serial, patient number, data_id, username.
    for field in ("serial_number", "patient_number", "data_id", "username"):
        if hasattr(obj, field):
            return getattr(obj, field)
    return obj.pk
