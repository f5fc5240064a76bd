"""Shared pieces of the benchmarks: servers started the way production runs them, and meters.

- `Gunicorn` runs `gunicorn -c gunicorn.conf.py` (the production configuration) on a scratch
  data folder; `Nginx` runs deploy/nginx.conf in front of it, with extra baseline locations.
- `tree_rss` / `PeakMemory` measure the resident memory of a server's whole process tree.
- `recreate_mysql_database` gives each run an empty database.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

PROJECT = Path(__file__).resolve().parent.parent
MiB = 1024**2
UNITS = {"K": 1000, "M": 1000**2, "G": 1000**3, "KI": 1024, "MI": 1024**2, "GI": 1024**3}


def parse_size(text: str) -> int:
    """'0.4M' -> 400000, '1G' -> 10**9, '1Gi' -> 2**30 (decimal units, as disks are sold)."""
    text = text.strip().upper().removesuffix("B")
    for suffix in sorted(UNITS, key=len, reverse=True):
        if text.endswith(suffix):
            return int(float(text.removesuffix(suffix)) * UNITS[suffix])
    return int(text)


def human(size: int) -> str:
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds:g} s")


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
    """Samples the RSS of process trees every 20 ms while a block runs.

    `idle[name]` is the size when the block started, `peak[name]` the largest size seen.
    """

    def __init__(self, **roots: int):
        self.roots = roots
        self.idle = {name: tree_rss(pid) for name, pid in roots.items()}
        self.peak = dict(self.idle)
        self._stop = threading.Event()

    def growth(self, name: str) -> int:
        return self.peak[name] - self.idle[name]

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            for name, pid in self.roots.items():
                self.peak[name] = max(self.peak[name], tree_rss(pid))

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def recreate_mysql_database(url: str) -> None:
    import MySQLdb

    parsed = urlparse(url)
    connection = MySQLdb.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        passwd=parsed.password or "",
    )
    name = parsed.path.lstrip("/")
    cursor = connection.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()


def server_environment(data_dir: Path, database_url: str, **overrides: str) -> dict[str, str]:
    """Production settings (DEBUG off) on a scratch data folder, quiet logs."""
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
        **overrides,
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(PROJECT / "manage.py"), *args], env=env, check=True)


class _Server:
    """A server process started by a subclass into `self.process`."""

    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Gunicorn(_Server):
    """The app under gunicorn.conf.py; `workers=None` keeps the configuration's CPU-based count."""

    def __init__(self, env: dict[str, str], workers: int | None = None):
        self.port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        if workers:
            env["GUNICORN_WORKERS"] = str(workers)
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        self.process = subprocess.Popen(
            [*command, "ecg_server.wsgi:application"], cwd=PROJECT, env=env
        )
        wait_for_port(self.port, self.process)


class Nginx(_Server):
    """deploy/nginx.conf in front of `upstream_port`, plus `extra_locations` (nginx syntax)."""

    def __init__(self, folder: Path, upstream_port: int, media_root: Path, extra_locations=""):
        if shutil.which("nginx") is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        site = (PROJECT / "deploy" / "nginx.conf").read_text()
        for production, here in (
            ("server app:8000;", f"server 127.0.0.1:{upstream_port};"),
            ("listen 80;", f"listen 127.0.0.1:{self.port};"),
            ("alias /data/media/;", f"alias {media_root}/;"),
            ("    location /_protected/ {", f"{extra_locations}\n    location /_protected/ {{"),
        ):
            if production not in site:
                raise RuntimeError(f"deploy/nginx.conf no longer contains {production!r}")
            site = site.replace(production, here)
        # As root, nginx's workers would otherwise drop to `nobody`, who cannot read the
        # private scratch folder.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"daemon off;\n{user}worker_processes auto;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\n"
            "events { worker_connections 1024; }\n"
            "http {\n include /etc/nginx/mime.types;\n access_log off;\n"
            f" client_body_temp_path {folder}/body;\n proxy_temp_path {folder}/proxy;\n"
            f" fastcgi_temp_path {folder}/f; uwsgi_temp_path {folder}/u; scgi_temp_path {folder}/s;\n"
            f"{site}\n}}\n"
        )
        self.process = subprocess.Popen(
            ["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder)]
        )
        wait_for_port(self.port, self.process)


def login(port: int, username: str, password: str) -> str:
    import json

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/api/login",
        json.dumps({"username": username, "password": password}),
        {"Content-Type": "application/json"},
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"login failed: {response.status} {body[:200]!r}")
    return json.loads(body)
