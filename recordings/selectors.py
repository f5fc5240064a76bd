"""Reads of recordings that enforce who may see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from ecg_server.errors import PermissionDenied
from recordings.errors import RecordingNotFound
from recordings.models import Recording


def recording_may_read(*, user: User, recording: Recording) -> bool:
    """Only the uploader, the patient's owner and superusers may read a recording.

    `recordings_visible_to` states the same rule as a query; a test holds the two together.
    """
    return (
        user.is_superuser
        or recording.uploaded_by_id == user.pk
        or recording.patient.owner_id == user.pk
    )


def recording_get_for_user(*, user: User, data_id: str) -> Recording:
    """The recording `data_id` if `user` may read it.

    Raises `RecordingNotFound` or `PermissionDenied` (the legacy contract tells them apart).
    """
    recording = (
        Recording.objects.select_related("patient", "uploaded_by", "analysis")
        .filter(data_id=data_id)
        .first()
    )
    if recording is None:
        raise RecordingNotFound()
    if not recording_may_read(user=user, recording=recording):
        raise PermissionDenied()
    return recording


def recordings_visible_to(*, user: User) -> QuerySet[Recording]:
    """Every recording `user` may read (the rule of `recording_may_read`), as a query."""
    if user.is_superuser:
        return Recording.objects.all()
    return Recording.objects.filter(Q(uploaded_by=user) | Q(patient__owner=user))
