"""The real worker process (manage.py db_worker) analyses what the API enqueued."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from recordings.models import RecordingAnalysis
from tests.conftest import PTB_CSV
from tests.factories import make_device, make_patient, make_session_token, make_user, upload_fields
from tests.faults.test_real_server import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_db_worker_analyses_an_upload(api, settings):
    user = make_user("holter")
    make_patient("P-1", owner=user, devices=[make_device("ECG-1", users=[user])])
    r = api.post(
        "/api/post_data",
        upload_fields(make_session_token(user), content=PTB_CSV.read_bytes(), sampling_rate="1000"),
    )
    assert r.content == b'"SUCCESS"'
    assert RecordingAnalysis.objects.get().state == RecordingAnalysis.PENDING
    env = {
        **os.environ,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    analysis = RecordingAnalysis.objects.get()
    assert analysis.state == RecordingAnalysis.DONE, analysis.reason
    assert analysis.mean_bpm == pytest.approx(100, abs=3)
