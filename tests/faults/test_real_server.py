"""Faults against a real server process (gunicorn), the way production runs.

- The database goes away mid-request: the API answers 503 JSON, and recovers by itself when the
  database comes back (MariaDB: a TCP proxy that the test cuts; SQLite: the file moves away).
- A worker is killed (SIGKILL) mid-upload: no row; the abandoned temporary file is found and
  removed by `verify_recordings --fix`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from recordings.models import Recording
from tests.factories import DEFAULT_PASSWORD, make_device, make_patient, make_user, upload_fields

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]


class TcpProxy:
    """A loopback TCP forwarder that the test can cut (connections drop, new ones are refused)."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self.lock:
                self.connections += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not stop it.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for s in self.connections:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.connections.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(host_port: tuple[str, int] | None = None) -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = host_port or (db["HOST"] or "127.0.0.1", int(db["PORT"] or 3306))
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"mysql://{credentials}@{host}:{port}/{db['NAME']}"


class Server:
    def __init__(self, env: dict[str, str], workers: int = 1):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ecg_server.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheader("Content-Type"), r.read()
        finally:
            c.close()

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def server_env(settings, **overrides) -> dict[str, str]:
    env = {
        **os.environ,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "CRITICAL",
        "GUNICORN_ACCESS_LOG": "",  # gunicorn.conf.py is read from the project folder
    }
    env.update(overrides)
    return env


@pytest.fixture
def account():
    user = make_user("field-device")
    # The server process hashes with production's hashers, not the suite's fast one.
    user.password = PBKDF2PasswordHasher().encode(DEFAULT_PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    make_patient("P-1", owner=user, devices=[make_device("ECG-1", users=[user])])
    return user


def login(server: Server) -> str:
    body = json.dumps({"username": "field-device", "password": DEFAULT_PASSWORD}).encode()
    status, _, content = server.request(
        "POST", "/api/login", body, {"Content-Type": "application/json"}
    )
    assert status == 200, content
    return json.loads(content)


def show_devices(server: Server, token: str):
    return server.request("GET", "/api/show_devices", headers={"Authorization": f"Bearer {token}"})


def test_database_going_away_gives_503_and_the_server_recovers(account, settings, tmp_path):
    proxy = None
    env = server_env(settings)
    if connection.vendor == "mysql":
        db = connection.settings_dict
        proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 3306)))
        proxy.start()
        env["DATABASE_URL"] = database_url(("127.0.0.1", proxy.port))
    server = Server(env)
    try:
        token = login(server)
        assert show_devices(server, token)[0] == 200

        # The database goes away.
        if proxy:
            proxy.cut()
        else:
            # The file goes, with its write-ahead log: the server finds no tables any more.
            database = Path(connection.settings_dict["NAME"])
            parts = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]
            for part in parts:
                if part.exists():
                    part.rename(tmp_path / part.name)
        try:
            status, content_type, body = show_devices(server, token)
            assert (status, content_type) == (503, "application/json"), body
            assert json.loads(body) == {
                "detail": "Service temporarily unavailable. Try again shortly."
            }
        finally:
            # ...and comes back.
            if proxy:
                proxy.start()
            else:
                for part in parts:
                    part.unlink(missing_ok=True)  # the empty database SQLite made meanwhile
                    if (tmp_path / part.name).exists():
                        (tmp_path / part.name).rename(part)

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status, _, body = show_devices(server, token)
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, body
        assert json.loads(body)["data"][0]["serial_number"] == "ECG-1"
    finally:
        server.stop()
        if proxy:
            proxy.cut()


def test_a_worker_killed_mid_upload_leaves_no_row_and_its_temporary_file_is_cleaned(
    account, settings
):
    server = Server(server_env(settings), workers=1)
    try:
        token = login(server)
        fields = upload_fields(token, content=b"4" * 4_000_000)
        fields["File"] = fields.pop("File")
        body = encode_multipart(BOUNDARY, fields)
        head = (
            f"POST /api/post_data HTTP/1.1\r\nHost: localhost\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        incoming = Path(settings.MEDIA_ROOT) / ".incoming"
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head + body[: len(body) // 2])
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not list(incoming.glob("upload-*.part")):
                time.sleep(0.05)
            assert list(incoming.glob("upload-*.part")), "the upload never reached the disk"
            for pid in server.workers():
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        assert not Recording.objects.exists()
        leftovers = list(incoming.glob("upload-*.part"))
        assert leftovers, "SIGKILL gives the worker no chance to clean up"

        from io import StringIO

        out = StringIO()
        with pytest.raises(SystemExit) as exited:  # strays are reported
            call_command("verify_recordings", stdout=out)
        assert exited.value.code == 1
        call_command("verify_recordings", "--fix", "--stale-after", "0", stdout=out)
        assert list(incoming.glob("upload-*.part")) == []

        # The master replaced the worker: the service goes on.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if show_devices(server, token)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert show_devices(server, token)[0] == 200
    finally:
        server.stop()
