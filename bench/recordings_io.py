"""Upload and download throughput of recordings, and the server's memory, against a baseline.

Starts the API the way production does (gunicorn, DEBUG off) on a scratch data folder, then for
each file size:

- baseline: `cp` of the same bytes on the same disk, and `cat` of the stored file to /dev/null;
- post_data: a streamed multipart upload over loopback HTTP;
- get_data: a streamed download, checked against the SHA-256 computed while uploading;
- the peak resident memory of the server's process tree during each transfer, above its idle size.

Usage (after `make test` has set up .venv):

    .venv/bin/python bench/recordings_io.py                  # 1 MB, 100 MB, 1 GB on SQLite
    .venv/bin/python bench/recordings_io.py --sizes 1M,10M   # quicker
    DATABASE_URL=mysql://root@127.0.0.1:3306/ecg_bench .venv/bin/python bench/recordings_io.py

Loopback only; every transfer is bounded by its size and a timeout.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024
UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


def human(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class PeakMemory:
    """Samples the server tree's RSS in the background while a transfer runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def __enter__(self):
        self.peak = tree_rss(self.pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_source(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        remaining = size
        block = os.urandom(CHUNK)
        while remaining > 0:
            piece = block[: min(CHUNK, remaining)]
            f.write(piece)
            digest.update(piece)
            remaining -= len(piece)
            block = block[1:] + block[:1]  # vary the bytes a little without paying for urandom
    return digest.hexdigest()


def multipart_upload(port: int, token: str, data_id: str, source: Path) -> tuple[int, bytes]:
    boundary = "ecg-bench-boundary-7d1f"
    fields = {
        "data_id": data_id,
        "device_sl_no": "BENCH-1",
        "patient_no": "BENCH-P",
        "Start_Time": "2026-12-01T10:00:00Z",
        "End_Time": "2026-12-01T10:10:00Z",
    }
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="File"; filename="{source.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head.encode()) + source.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", "/api/post_data")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(length))
    connection.putheader("Authorization", f"Bearer {token}")
    connection.endheaders()
    connection.send(head.encode())
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def download(port: int, token: str, data_id: str) -> tuple[int, int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request(
        "GET", f"/api/get_data/{data_id}", headers={"Authorization": f"Bearer {token}"}
    )
    response = connection.getresponse()
    digest, received = hashlib.sha256(), 0
    while chunk := response.read(CHUNK):
        digest.update(chunk)
        received += len(chunk)
    connection.close()
    return response.status, received, digest.hexdigest()


def timed(action, *args, **kwargs):
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return time.perf_counter() - started, result


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,100M,1G", help="comma-separated sizes (K, M, G)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",")]

    scratch = Path(tempfile.mkdtemp(prefix="ecg-bench-", dir=os.environ.get("BENCH_DIR")))
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(scratch / "data"),
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RECORDING_MAX_BYTES": str(max(sizes) + 1),
        "LOG_LEVEL": "ERROR",
        "GUNICORN_ACCESS_LOG": "",  # gunicorn.conf.py is read from the project folder
    }
    python = sys.executable
    manage = [python, str(PROJECT / "manage.py")]
    server = None
    try:
        if env.get("DATABASE_URL", "").startswith("mysql"):
            subprocess.run(
                [*manage, "shell", "-c", "from django.db import connection; connection.cursor()"],
                env=env,
                check=False,
                capture_output=True,
            )
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
        password = "Bench-" + os.urandom(8).hex()
        setup = (
            "from accounts.models import User\n"
            "from devices.services import device_register\n"
            "from patients.models import Patient\n"
            "from recordings.models import Recording\n"
            "user, _ = User.objects.get_or_create(username='bench')\n"
            f"user.set_password('{password}')\n"
            "user.save()\n"
            "device_register(user=user, serial_number='BENCH-1')\n"
            "Patient.objects.get_or_create(\n"
            "    patient_number='BENCH-P', defaults={'name': 'Bench', 'owner': user})\n"
            "Recording.objects.filter(data_id__startswith='bench-').delete()\n"
        )
        subprocess.run([*manage, "shell", "-c", setup], env=env, check=True)
        server = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "ecg_server.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT,
            env=env,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/api/login",
            json.dumps({"username": "bench", "password": password}),
            {"Content-Type": "application/json"},
        )
        token = json.loads(connection.getresponse().read())
        connection.close()
        # Warm both workers up so their import-time memory is not counted as growth.
        for _ in range(args.workers * 4):
            download(port, token, "warm-up-missing")

        media = scratch / "data" / "media"
        rows = []
        for index, size in enumerate(sizes):
            source = scratch / f"source-{index}.bin"
            sha256 = make_source(source, size)
            copy = scratch / f"copy-{index}.bin"
            cp_seconds, _ = timed(subprocess.run, ["cp", str(source), str(copy)], check=True)
            copy.unlink()

            idle = tree_rss(server.pid)
            data_id = f"bench-{index}"
            with PeakMemory(server.pid) as up_memory:
                up_seconds, (status, body) = timed(multipart_upload, port, token, data_id, source)
            if status != 200:
                print(f"upload of {human(size)} failed: {status} {body[:200]!r}", file=sys.stderr)
                return 1
            stored = max(media.rglob("*.ecg"), key=lambda p: p.stat().st_mtime)
            cat_seconds, _ = timed(
                subprocess.run, ["cat", str(stored)], stdout=subprocess.DEVNULL, check=True
            )
            with PeakMemory(server.pid) as down_memory:
                down_seconds, (status, received, downloaded_sha) = timed(
                    download, port, token, data_id
                )
            if status != 200 or received != size or downloaded_sha != sha256:
                print(
                    f"download of {human(size)} failed or differs: {status} {received}",
                    file=sys.stderr,
                )
                return 1
            rows.append(
                (
                    size,
                    cp_seconds,
                    up_seconds,
                    cat_seconds,
                    down_seconds,
                    up_memory.peak - idle,
                    down_memory.peak - idle,
                )
            )
            source.unlink()

        mb = 1024**2
        database = "MySQL/MariaDB" if env.get("DATABASE_URL", "").startswith("mysql") else "SQLite"
        print(f"\nECG Server recording I/O, gunicorn x{args.workers}, {database}, loopback")
        print(
            f"{'size':>8} | {'cp MB/s':>8} | {'upload MB/s':>11} | {'vs cp':>6} | "
            f"{'cat MB/s':>8} | {'download MB/s':>13} | {'vs cat':>6} | "
            f"{'mem +upload':>11} | {'mem +download':>13}"
        )
        print("-" * 110)
        for size, cp_s, up_s, cat_s, down_s, up_mem, down_mem in rows:
            cp_rate, up_rate, cat_rate, down_rate = (
                size / mb / s for s in (cp_s, up_s, cat_s, down_s)
            )
            print(
                f"{human(size):>8} | {cp_rate:8.0f} | {up_rate:11.0f} | {up_rate / cp_rate:6.2f} | "
                f"{cat_rate:8.0f} | {down_rate:13.0f} | {down_rate / cat_rate:6.2f} | "
                f"{up_mem / mb:8.1f} MiB | {down_mem / mb:10.1f} MiB"
            )
        print(
            "\nmem = peak resident memory of the server's process tree above its idle size; "
            "downloads are verified against the upload's SHA-256."
        )
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
