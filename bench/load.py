"""Load test: simulated devices uploading while clinicians list and download, then verification.

Starts the server as production does (gunicorn, DEBUG off) on a scratch data folder and the
database named by DATABASE_URL (MariaDB/MySQL recommended; the database is created if missing;
SQLite when unset). Then, for --duration seconds (at least 60 by default):

- --devices simulated devices (default 32), each its own account with a device and a patient,
  log in once and upload recordings of --size bytes in a loop, each with a fresh data_id;
- --clinicians sessions (a superuser clinic account) list devices and patients and download
  recordings already stored.

It prints requests, errors and latency percentiles per endpoint, then downloads every stored
recording and checks it against the SHA-256 the uploading client computed. Exits 1 on any error
or mismatch. Loopback only; bounded by --duration and --max-uploads.

    .venv/bin/python -m bench.load
    DATABASE_URL=mysql://root@127.0.0.1:3306/ecg_load .venv/bin/python -m bench.load --duration 60
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.harness import Gunicorn, manage, recreate_mysql_database, server_environment

PASSWORD = "Load-Test-Password-1"
BOUNDARY = "ecg-load-boundary-5c2e"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def record(self, name: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if error:
                self.errors[name].append(error)


class Client:
    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def login(self, username: str) -> str:
        body = json.dumps({"username": username, "password": PASSWORD}).encode()
        status, content = self.request(
            "POST", "/api/login", body, {"Content-Type": "application/json"}
        )
        if status != 200:
            raise RuntimeError(f"login of {username} failed: {status} {content[:200]!r}")
        return json.loads(content)


def multipart(fields: dict[str, str], content: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="File"; filename="rec.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    return b"".join(parts) + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def device_loop(index, port, stats, stored, stop_at, size, max_uploads, base):
    client = Client(port)
    started = time.perf_counter()
    try:
        token = client.login(f"device{index}")
    except Exception as exc:
        stats.record("login", time.perf_counter() - started, str(exc))
        return
    stats.record("login", time.perf_counter() - started)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    count = 0
    while time.monotonic() < stop_at and count < max_uploads:
        count += 1
        data_id = f"load-{index}-{count}"
        content = f"{data_id}:".encode() + base[: size - 32]
        sha256 = hashlib.sha256(content).hexdigest()
        fields = {
            "data_id": data_id,
            "device_sl_no": f"LOAD-{index}",
            "patient_no": f"LP-{index}",
            "Start_Time": "10:00:00",
            "End_Time": "10:00:10",
            "sha256": sha256,
        }
        started = time.perf_counter()
        try:
            status, body = client.request(
                "POST", "/api/post_data", multipart(fields, content), headers
            )
            error = None if (status, body) == (200, b'"SUCCESS"') else f"{status} {body[:120]!r}"
        except Exception as exc:
            error = repr(exc)
        stats.record("post_data", time.perf_counter() - started, error)
        if error is None:
            with stats.lock:
                stored.append((data_id, sha256))


def clinician_loop(port, stats, stored, stop_at):
    client = Client(port)
    token = client.login("clinic")
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < stop_at:
        for name, path in (
            ("show_devices", "/api/show_devices"),
            ("show_patients", "/api/show_patients"),
        ):
            started = time.perf_counter()
            try:
                status, body = client.request("GET", path, headers=headers)
                error = (
                    None
                    if status == 200 and body.startswith(b'{"status":"SUCCESS"')
                    else f"{status}"
                )
            except Exception as exc:
                error = repr(exc)
            stats.record(name, time.perf_counter() - started, error)
        with stats.lock:
            pick = random.choice(stored) if stored else None
        if pick:
            started = time.perf_counter()
            try:
                status, body = client.request("GET", f"/api/get_data/{pick[0]}", headers=headers)
                ok = status == 200 and hashlib.sha256(body).hexdigest() == pick[1]
                error = None if ok else f"{status} (sha256 {'differs' if status == 200 else 'n/a'})"
            except Exception as exc:
                error = repr(exc)
            stats.record("get_data", time.perf_counter() - started, error)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Load test of the ECG Server API on loopback.")
    parser.add_argument("--devices", type=int, default=32)
    parser.add_argument("--clinicians", type=int, default=4)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--size", type=int, default=400 * 1024, help="bytes per recording")
    parser.add_argument("--max-uploads", type=int, default=10_000, help="per device")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="ecg-load-"))
    database = os.environ.get("DATABASE_URL", "")
    if database.startswith("mysql"):
        recreate_mysql_database(database)
    env = server_environment(
        scratch / "data",
        database,
        # Every simulated device logs in from 127.0.0.1: do not let the throttle mistake them.
        LOGIN_ATTEMPTS_PER_ADDRESS="100000",
    )
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v0")
        setup = (
            "from django.contrib.auth.hashers import make_password\n"
            "from accounts.models import User\n"
            "from devices.services import device_register\n"
            "from patients.models import Patient\n"
            f"hashed = make_password('{PASSWORD}')\n"
            f"User.objects.create(username='clinic', password=hashed, is_superuser=True, is_staff=True)\n"
            f"for i in range({args.devices}):\n"
            "    user = User.objects.create(username=f'device{i}', password=hashed)\n"
            "    device_register(user=user, serial_number=f'LOAD-{i}')\n"
            "    Patient.objects.create(patient_number=f'LP-{i}', name='Load', owner=user)\n"
        )
        manage(env, "shell", "-c", setup)
        server = Gunicorn(env, workers=args.workers)
        port = server.port

        stats, stored = Stats(), []
        base = os.urandom(args.size)
        started = time.monotonic()
        stop_at = started + args.duration
        threads = [
            threading.Thread(
                target=device_loop,
                args=(i, port, stats, stored, stop_at, args.size, args.max_uploads, base),
            )
            for i in range(args.devices)
        ]
        threads += [
            threading.Thread(target=clinician_loop, args=(port, stats, stored, stop_at))
            for _ in range(args.clinicians)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 300)
        elapsed = time.monotonic() - started

        print(
            f"\nLoad: {args.devices} devices x {args.size // 1024} KB uploads, {args.clinicians} clinicians, "
            f"{elapsed:.0f} s, gunicorn x{args.workers}, {'MySQL/MariaDB' if database.startswith('mysql') else 'SQLite'}"
        )
        print(
            f"{'endpoint':>14} | {'requests':>8} | {'errors':>6} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7}"
        )
        print("-" * 74)
        total_errors = 0
        for name in ("login", "post_data", "show_devices", "show_patients", "get_data"):
            values, errors = stats.latencies.get(name, []), stats.errors.get(name, [])
            total_errors += len(errors)
            print(
                f"{name:>14} | {len(values):8d} | {len(errors):6d} | {len(values) / elapsed:7.1f} | "
                f"{percentile(values, 0.5) * 1000:7.1f} | {percentile(values, 0.95) * 1000:7.1f} | "
                f"{percentile(values, 0.99) * 1000:7.1f}"
            )
        for name, errors in stats.errors.items():
            for error in errors[:5]:
                print(f"  error in {name}: {error}")

        verifier = Client(port)
        token = verifier.login("clinic")
        mismatches = 0
        for data_id, sha256 in stored:
            status, body = verifier.request(
                "GET", f"/api/get_data/{data_id}", headers={"Authorization": f"Bearer {token}"}
            )
            if status != 200 or hashlib.sha256(body).hexdigest() != sha256:
                mismatches += 1
                print(f"  MISMATCH {data_id}: status {status}")
        uploaded_mb = len(stored) * args.size / 1024**2
        print(
            f"\nVerified {len(stored)} stored recordings ({uploaded_mb:.0f} MB, "
            f"{len(stored) / elapsed:.1f} files/s) against the clients' SHA-256: {mismatches} mismatches; "
            f"{total_errors} errors."
        )
        return 1 if (total_errors or mismatches or not stored) else 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
