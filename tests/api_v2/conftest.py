"""Clients for the clinician API: one per persona, the session in a Bearer header."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from recordings.insight import recording_analyse
from recordings.models import RecordingAnalysis
from tests.conftest import PTB_CSV
from tests.factories import make_recording

PERSONAS = ("owner", "other", "superuser", "anonymous")


@pytest.fixture
def v2(owner_token, other_token, superuser_token):
    """`v2("owner")` is a client sending the owner's session; `v2("anonymous")` sends none.

    A raw token works too: `v2(token)`.
    """
    tokens = {"owner": owner_token, "other": other_token, "superuser": superuser_token}

    def client_for(persona: str) -> Client:
        token = tokens.get(persona, None if persona == "anonymous" else persona)
        return Client(headers={"authorization": f"Bearer {token}"} if token else {})

    return client_for


def error_code(response) -> str:
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"}, body
    return body["code"]


@pytest.fixture
def recording(owner, patient, device):
    return make_recording(
        data_id="D-1", uploader=owner, patient=patient, device=device, content=b"0,1\n" * 100
    )


def analysed(recording):
    """Run the background analysis of `recording` in the test's own transaction."""
    RecordingAnalysis.objects.update_or_create(
        recording=recording, defaults={"sha256": recording.sha256, "state": "pending"}
    )
    recording_analyse(recording_id=recording.pk, sha256=recording.sha256)
    recording.refresh_from_db()
    return recording


@pytest.fixture
def ecg_recording(owner, patient, device):
    """A real 10-second, 15-lead ECG at 1000 Hz, analysed."""
    recording = make_recording(
        data_id="ECG-REAL",
        uploader=owner,
        patient=patient,
        device=device,
        content=PTB_CSV.read_bytes(),
        sampling_rate_hint=1000.0,
    )
    return analysed(recording)
