"""Property-based API testing: schemathesis against our own OpenAPI schema, on loopback.

Starts gunicorn on a scratch SQLite database with a superuser session (so every operation is
reachable) and a device, patient and recording to aim at, then runs schemathesis with the checks
that matter here: no 5xx, responses that conform to the schema, and declared content types.
Bounded by --max-examples per operation and --max-time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="ecg-schemathesis-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATA_DIR": str(scratch / "data"),
        "SECRET_KEY": "schemathesis-" + os.urandom(16).hex(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "CRITICAL",
        "GUNICORN_ACCESS_LOG": "",  # gunicorn.conf.py is read from the project folder
        "LOGIN_ATTEMPTS_PER_ACCOUNT": "1000000",
        "LOGIN_ATTEMPTS_PER_ADDRESS": "1000000",
        "PASSWORD_RESET_ATTEMPTS_PER_ACCOUNT": "1000000",
        "PASSWORD_RESET_ATTEMPTS_PER_ADDRESS": "1000000",
    }
    manage = [sys.executable, str(PROJECT / "manage.py")]
    server = None
    try:
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
        seed = (
            "from django.core.files.base import ContentFile\n"
            "from accounts.models import User\n"
            "from accounts.services import session_create\n"
            "from devices.services import device_register\n"
            "from patients.models import Patient\n"
            "from recordings.models import Recording\n"
            "from recordings.storage import new_recording_name, recording_storage\n"
            "import hashlib, datetime\n"
            "admin = User.objects.create_superuser('admin', 'a@example.com', 'Schema-Thesis-1')\n"
            "device = device_register(user=admin, serial_number='ECG-1', mac_address='AA:01')\n"
            "patient = Patient.objects.create(patient_number='P-1', name='Ada', owner=admin)\n"
            "name = recording_storage().save(new_recording_name(), ContentFile(b'0,1,2\\n'))\n"
            "now = datetime.datetime.now(datetime.UTC)\n"
            "Recording.objects.create(data_id='D-1', device=device, device_serial_number='ECG-1',"
            " patient=patient, uploaded_by=admin, start_time=now, end_time=now, file=name,"
            " original_name='d.csv', size=6, sha256=hashlib.sha256(b'0,1,2\\n').hexdigest())\n"
            "print(session_create(user=admin)[1])\n"
        )
        token = (
            subprocess.run(
                [*manage, "shell", "-c", seed], env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ecg_server.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT,
            env=env,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/schema/?format=json", timeout=1
                )
                break
            except OSError:
                time.sleep(0.2)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"http://127.0.0.1:{port}/api/schema/?format=json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"),
            "--max-time",
            "300",
            "--workers",
            "2",
            "--generation-allow-x00",
            "true",
            "--seed",
            "20261204",
            "--exclude-path-regex",
            "^/api/docs/",
            # Logging out would revoke the one session every other operation runs with.
            "--exclude-path",
            "/api/logout",
            "--exclude-path",
            "/api/v2/logout",
            "--suppress-health-check",
            "all",
        ]
        return subprocess.run(command, cwd=scratch, check=False).returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
