"""ECG Server benchmark suite: the API as production runs it, each figure against a baseline.

Starts MariaDB-backed gunicorn (gunicorn.conf.py) behind nginx (deploy/nginx.conf, with
X-Accel-Redirect downloads), and in the same run measures:

1. small authenticated requests (`get_ota`, GET with a JSON body) at concurrency 1 and 16,
   against a constant DRF view under the same configuration (target: >= 50% of its rate);
2. `post_data` of each size (default 0.4 MB, 100 MB, 1 GB), through nginx and straight to
   gunicorn, against cp's copy of the same bytes on the same disk (target: >= 300 MB/s at 100 MB,
   server memory growth < 64 MiB at 1 GB);
3. `get_data` of the same files, through nginx (X-Accel-Redirect) and streamed by gunicorn
   alone, against nginx serving the same file statically (target: >= 70% of nginx, memory flat);
   beside them, the ceiling of any Python view: the same body read through gunicorn and dropped;
4. 32 clients x 20 uploads of 400 KB through nginx, against nginx storing the same bodies with
   WebDAV PUT (target: >= 25% of nginx's files/s, 0 failures);

and the peak resident memory of the gunicorn and nginx process trees in each phase. It prints
one table of ratios and exits 1 if any request failed or any download differed from its upload.

    make bench                                 # what the README's Performance table shows
    .venv/bin/python -m bench.suite --quick    # a one-minute smoke run (CI runs this)
    BENCH_DATABASE_URL=mysql://user:pw@host:3306/ecg_bench .venv/bin/python -m bench.suite

The database named by BENCH_DATABASE_URL (default: root on 127.0.0.1:3306, database ecg_bench)
is dropped and re-created. Loopback only; every phase is bounded in time and count.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness import (
    Gunicorn,
    MiB,
    Nginx,
    PeakMemory,
    human,
    login,
    manage,
    parse_size,
    recreate_mysql_database,
    server_environment,
)

DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/ecg_bench"
BOUNDARY = "ecg-bench-boundary-7d1f"
CHUNK = 1024 * 1024
SERIAL, PATIENT = "BENCH-1", "BENCH-P"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float = 0.0
    target: str = ""
    met: bool | None = None
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    memory: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def phase_memory(self, phase: str, meter: PeakMemory) -> None:
        self.memory.append(
            (
                phase,
                meter.idle["gunicorn"] / MiB,
                meter.growth("gunicorn") / MiB,
                meter.idle["nginx"] / MiB,
                meter.growth("nginx") / MiB,
            )
        )


# --- clients -------------------------------------------------------------------------------


def _request_loop(port, method, path, body, headers, expect, start_at, stop_at, results):
    """One keep-alive client: requests back to back between start_at and stop_at (wall clock)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failures = [], 0
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < stop_at:
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            ok = response.status == 200 and expect in content
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        latencies.append(time.perf_counter() - started)
        failures += not ok
    results.put((latencies, failures, time.time()))


def request_rate(port, path, body, headers, expect: bytes, concurrency: int, seconds: float):
    """Requests per second of `concurrency` client processes; (rate, p99 seconds, failures)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.3
    clients = [
        context.Process(
            target=_request_loop,
            args=(port, "GET", path, body, headers, expect, start_at, start_at + seconds, results),
        )
        for _ in range(concurrency)
    ]
    for client in clients:
        client.start()
    collected = [results.get(timeout=seconds + 60) for _ in clients]
    for client in clients:
        client.join()
    latencies = sorted(t for batch, _, _ in collected for t in batch)
    failures = sum(f for _, f, _ in collected)
    elapsed = max(finished for _, _, finished in collected) - start_at  # the last one finishing
    return (len(latencies) - failures) / elapsed, percentile(latencies, 0.99), failures


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def multipart_head(fields: dict[str, str], filename: str) -> bytes:
    head = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="File"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return head.encode()


MULTIPART_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def upload_fields(data_id: str) -> dict[str, str]:
    return {
        "data_id": data_id,
        "device_sl_no": SERIAL,
        "patient_no": PATIENT,
        "Start_Time": "2026-12-01T10:00:00Z",
        "End_Time": "2026-12-01T10:10:00Z",
    }


def upload_file(port: int, token: str, data_id: str, source: Path) -> float:
    """Streams `source` as a post_data multipart upload; returns the seconds it took."""
    head = multipart_head(upload_fields(data_id), source.name)
    length = len(head) + source.stat().st_size + len(MULTIPART_TAIL)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    connection.putrequest("POST", "/api/post_data")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(length))
    connection.putheader("Authorization", f"Bearer {token}")
    connection.endheaders()
    connection.send(head)
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            connection.send(chunk)
    connection.send(MULTIPART_TAIL)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    seconds = time.perf_counter() - started
    if (response.status, body) != (200, b'"SUCCESS"'):
        raise RuntimeError(f"upload of {data_id} failed: {response.status} {body[:200]!r}")
    return seconds


def drain_file(port: int, source: Path) -> float:
    """Sends `source` as a raw body to /bench/drain, which only reads it; returns the seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    connection.putrequest("POST", "/bench/drain")
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(source.stat().st_size))
    connection.endheaders()
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            connection.send(chunk)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"drain failed: {response.status} {body[:200]!r}")
    return time.perf_counter() - started


def fetch(port: int, path: str, headers: dict[str, str], expected_size: int, sha256=None) -> float:
    """Downloads `path` into a reused buffer (or through SHA-256 when `sha256` is given)."""
    buffer = memoryview(bytearray(CHUNK))
    digest = hashlib.sha256() if sha256 else None
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    received = 0
    while count := response.readinto(buffer):
        received += count
        if digest:
            digest.update(buffer[:count])
    connection.close()
    seconds = time.perf_counter() - started
    if response.status != 200 or received != expected_size:
        raise RuntimeError(f"GET {path}: {response.status}, {received} of {expected_size} bytes")
    if digest and digest.hexdigest() != sha256:
        raise RuntimeError(f"GET {path}: the bytes differ from the upload's")
    return seconds


def _upload_client(port, token, client, uploads, size, put_path, start_at, results):
    """One of the concurrent devices: `uploads` uploads of `size` bytes, back to back."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    filler = os.urandom(size)
    latencies, failures = [], []
    time.sleep(max(0.0, start_at - time.time()))
    for number in range(uploads):
        data_id = f"many-{client}-{number}"
        content = data_id.encode().ljust(32, b".") + filler[32:]
        if put_path:
            method, path, body = "PUT", f"{put_path}{client}/{number}.bin", content
            headers, expected = {}, (201, 204)
        else:
            fields = {**upload_fields(data_id), "sha256": hashlib.sha256(content).hexdigest()}
            body = multipart_head(fields, "rec.bin") + content + MULTIPART_TAIL
            method, path = "POST", "/api/post_data"
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            }
            expected = (200,)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            reply = response.read()
            if response.status not in expected:
                failures.append(f"{response.status} {reply[:100]!r}")
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            failures.append(repr(exc))
        latencies.append(time.perf_counter() - started)
    results.put((latencies, failures))


def concurrent_uploads(port, token, clients, uploads, size, put_path=None):
    """(files/s, p50 s, p99 s, failures) of `clients` processes each uploading `uploads` files."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    processes = [
        context.Process(
            target=_upload_client,
            args=(port, token, client, uploads, size, put_path, start_at, results),
        )
        for client in range(clients)
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=900) for _ in processes]
    elapsed = time.time() - start_at
    for process in processes:
        process.join()
    latencies = sorted(t for batch, _ in collected for t in batch)
    failures = [f for _, batch in collected for f in batch]
    files = len(latencies) - len(failures)
    return files / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99), failures


# --- phases --------------------------------------------------------------------------------


def make_source(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with path.open("wb") as f:
        remaining = size
        while remaining > 0:
            piece = block[: min(CHUNK, remaining)]
            f.write(piece)
            digest.update(piece)
            remaining -= len(piece)
            block = block[1:] + block[:1]  # vary the bytes without paying for urandom
    return digest.hexdigest()


def after_sync(action, *args):
    os.sync()
    return action(*args)


def repetitions(size: int, quick: bool) -> int:
    if size <= 4 * 1000**2:
        return 10 if quick else 40
    return 1 if quick or size >= 500 * 1000**2 else 3


def small_requests(report, nginx, gunicorn, token, seconds, concurrencies) -> None:
    ota_body = json.dumps({"session_id": token, "serial_number": SERIAL}).encode()
    json_type = {"Content-Type": "application/json"}
    targets = (
        ("get_ota", "/api/get_ota", b'"serial_number":"BENCH-1"'),
        ("constant DRF view", "/bench/constant", b'"OK"'),
    )
    for concurrency in concurrencies:
        rates = {}
        for _name, path, expect in targets:  # warm every worker up first
            request_rate(nginx.port, path, ota_body, json_type, expect, concurrency, 1.0)
        with PeakMemory(gunicorn=gunicorn.pid, nginx=nginx.pid) as memory:
            for name, path, expect in targets:
                rate, p99, failures = request_rate(
                    nginx.port, path, ota_body, json_type, expect, concurrency, seconds
                )
                rates[name] = (rate, p99)
                if failures:
                    report.failures.append(f"{name} at concurrency {concurrency}: {failures}")
        report.phase_memory(f"get_ota / constant, concurrency {concurrency}", memory)
        (rate, p99), (baseline, baseline_p99) = rates["get_ota"], rates["constant DRF view"]
        report.add(
            Figure(
                f"get_ota, concurrency {concurrency}",
                rate,
                "req/s",
                "constant DRF view",
                baseline,
                ">= 50%",
                rate >= 0.5 * baseline,
                f"p99 {p99 * 1000:.1f} ms vs {baseline_p99 * 1000:.1f} ms",
            )
        )


def transfers(report, scratch, nginx, gunicorn, streaming, token, sizes, quick) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    media = scratch / "data" / "media"
    for index, size in enumerate(sizes):
        label = human(size)
        reps = repetitions(size, quick)
        source = scratch / f"source-{index}.bin"
        sha256 = make_source(source, size)

        # Every write below starts with the page cache's dirty data flushed (os.sync, untimed),
        # so no measurement pays for the writeback of the one before it.
        # cp's own copy (copy_file_range / sendfile), run in-process: a cp process start-up
        # (2 ms here) would otherwise be most of the 0.4 MB baseline.
        copies = []
        for rep in range(reps):
            target = scratch / f"copy-{index}-{rep}.bin"
            os.sync()
            started = time.perf_counter()
            shutil.copyfile(source, target)
            copies.append(time.perf_counter() - started)
            target.unlink()
        cp_rate = size / statistics.median(copies) / 1e6

        drained = [drain_file(gunicorn.port, source) for _ in range(reps)]
        report.add(
            Figure(
                f"(ceiling) body of {label} read by gunicorn, discarded",
                size / statistics.median(drained) / 1e6,
                "MB/s",
                "copy (cp)",
                cp_rate,
                detail="no parsing, hashing or storing",
            )
        )
        for route, port, name in (
            ("through nginx", nginx.port, "nginx"),
            ("straight to gunicorn", gunicorn.port, "gunicorn"),
        ):
            with PeakMemory(gunicorn=gunicorn.pid, nginx=nginx.pid) as memory:
                seconds = [
                    after_sync(upload_file, port, token, f"io-{index}-{name}-{rep}", source)
                    for rep in range(reps)
                ]
            report.phase_memory(f"post_data {label} {route}", memory)
            rate = size / statistics.median(seconds) / 1e6
            figure = Figure(
                f"post_data {label} {route}",
                rate,
                "MB/s",
                "copy (cp)",
                cp_rate,
                detail=f"gunicorn +{memory.growth('gunicorn') / MiB:.1f} MiB",
            )
            if 90 * 1000**2 <= size <= 110 * 1000**2:
                figure.target, figure.met = ">= 300 MB/s", rate >= 300
            if size >= 1000**3:
                figure.target = "memory < 64 MiB"
                figure.met = memory.growth("gunicorn") < 64 * MiB
            report.add(figure)
        source.unlink()

        # The stored copy of the last upload is the file every download below serves.
        data_id = f"io-{index}-gunicorn-{reps - 1}"
        stored = max(media.rglob("*.ecg"), key=lambda p: p.stat().st_mtime)
        static_path = "/bench-static/" + str(stored.relative_to(media))
        app_path = f"/api/get_data/{data_id}"
        fetch(nginx.port, app_path, auth, size, sha256)  # the bytes are right, both ways
        fetch(streaming.port, app_path, auth, size, sha256)
        rates = {}
        for name, port, path, headers in (
            ("static", nginx.port, static_path, {}),
            ("nginx", nginx.port, app_path, auth),
            ("streamed", streaming.port, app_path, auth),
        ):
            with PeakMemory(gunicorn=streaming.pid, nginx=nginx.pid) as memory:
                seconds = [fetch(port, path, headers, size) for _ in range(reps)]
            rates[name] = size / statistics.median(seconds) / 1e6
            if name != "static":
                route = "X-Accel-Redirect via nginx" if name == "nginx" else "streamed by gunicorn"
                tree = "nginx" if name == "nginx" else "gunicorn"
                report.phase_memory(f"get_data {label} {route}", memory)
                report.add(
                    Figure(
                        f"get_data {label} {route}",
                        rates[name],
                        "MB/s",
                        "nginx static",
                        rates["static"],
                        ">= 70%",
                        rates[name] >= 0.7 * rates["static"],
                        f"{tree} +{memory.growth(tree) / MiB:.1f} MiB",
                    )
                )


def many_uploads(report, scratch, nginx, gunicorn, token, clients, uploads, size) -> None:
    os.sync()  # start without the writeback of the large transfers before
    with PeakMemory(gunicorn=gunicorn.pid, nginx=nginx.pid) as memory:
        put_rate, _put_p50, put_p99, put_failures = concurrent_uploads(
            nginx.port, token, clients, uploads, size, put_path="/bench-put/"
        )
    report.phase_memory(f"{clients} x {uploads} PUTs to nginx (baseline)", memory)
    os.sync()
    with PeakMemory(gunicorn=gunicorn.pid, nginx=nginx.pid) as memory:
        rate, p50, p99, failures = concurrent_uploads(nginx.port, token, clients, uploads, size)
    report.phase_memory(f"{clients} x {uploads} post_data through nginx", memory)
    report.failures += [f"post_data (concurrent): {f}" for f in failures[:10]]
    report.failures += [f"nginx PUT (baseline): {f}" for f in put_failures[:10]]
    report.add(
        Figure(
            f"{clients} clients x {uploads} post_data of {human(size)}",
            rate,
            "files/s",
            "nginx PUT",
            put_rate,
            ">= 25%, 0 failures",
            rate >= 0.25 * put_rate and not failures,
            f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (nginx p99 {put_p99 * 1000:.0f} ms); "
            f"{len(failures)} failures",
        )
    )


# --- report --------------------------------------------------------------------------------


def print_report(report: Report, context: str) -> None:
    print(f"\nECG Server benchmark: {context}\n")
    print(
        f"| {'figure':<44} | {'ECG Server':>15} | {'baseline':>28} | {'ratio':>6} | "
        f"{'target':<18} | met | notes"
    )
    print(f"|{'-' * 46}|{'-' * 17}|{'-' * 30}|{'-' * 8}|{'-' * 20}|-----|------")
    for f in report.figures:
        ratio = f"{f.ratio:6.0%}" if f.ratio is not None else ""
        baseline = f"{f.baseline_name} {f.baseline:,.0f} {f.unit}" if f.baseline else ""
        met = {True: "yes", False: "NO", None: ""}[f.met]
        print(
            f"| {f.name:<44} | {f.value:>9,.0f} {f.unit:<5} | {baseline:>28} | {ratio:>6} | "
            f"{f.target:<18} | {met:<3} | {f.detail}"
        )
    print("\nPeak resident memory of each server's process tree, per phase (MiB):\n")
    print(f"| {'phase':<52} | gunicorn idle | growth | nginx idle | growth")
    print(f"|{'-' * 54}|---------------|--------|------------|-------")
    for phase, g_idle, g_growth, n_idle, n_growth in report.memory:
        print(
            f"| {phase:<52} | {g_idle:13.0f} | {g_growth:6.1f} | {n_idle:10.0f} | {n_growth:6.1f}"
        )
    if report.failures:
        print("\nFAILURES:")
        for failure in report.failures:
            print(f"  {failure}")


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short phases")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 0.4M,100M,1G")
    parser.add_argument("--seconds", type=float, help="length of each small-request run")
    parser.add_argument("--clients", type=int, help="concurrent uploaders (default 32)")
    parser.add_argument("--uploads", type=int, help="uploads per client (default 20)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    sizes = [
        parse_size(s)
        for s in (args.sizes or ("0.4M,10M" if args.quick else "0.4M,100M,1G")).split(",")
    ]
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    clients = args.clients or (8 if args.quick else 32)
    uploads = args.uploads or (5 if args.quick else 20)

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if database_url.startswith("mysql"):
        recreate_mysql_database(database_url)
    scratch = Path(tempfile.mkdtemp(prefix="ecg-bench-", dir=os.environ.get("BENCH_DIR")))
    env = server_environment(
        scratch / "data",
        database_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        RECORDING_MAX_BYTES=str(max([*sizes, 1000**2]) + 1),
        RECORDINGS_X_ACCEL_PREFIX="/_protected/",
        # Production recycles a worker every ~5000 requests; a fresh worker mid-phase would
        # count its start-up as memory growth, so the benchmark keeps its workers.
        GUNICORN_MAX_REQUESTS="0",
        # Every benchmark client logs in from 127.0.0.1.
        LOGIN_ATTEMPTS_PER_ADDRESS="100000",
    )
    password = "Bench-" + os.urandom(8).hex()
    servers = []
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(
            env,
            "shell",
            "-c",
            "from accounts.models import User\n"
            "from devices.services import device_register\n"
            "from patients.services import patient_register\n"
            f"user = User.objects.create_user('bench', password='{password}')\n"
            f"device_register(user=user, serial_number='{SERIAL}')\n"
            f"patient_register(owner=user, patient_number='{PATIENT}', name='Bench')\n",
        )
        gunicorn = Gunicorn(env)
        servers.append(gunicorn)
        # Streaming downloads (no nginx in front) need a server without X-Accel-Redirect.
        streaming = Gunicorn({**env, "RECORDINGS_X_ACCEL_PREFIX": ""}, workers=2)
        servers.append(streaming)
        media = scratch / "data" / "media"
        media.mkdir(parents=True, exist_ok=True)
        nginx = Nginx(
            scratch / "nginx",
            gunicorn.port,
            media,
            extra_locations=(
                "    # Baselines of bench/suite.py only; never in a deployment.\n"
                f"    location /bench-static/ {{ alias {media}/; }}\n"
                f"    location /bench-put/ {{ root {scratch}/nginx-put; dav_methods PUT;"
                " create_full_put_path on; }\n"
            ),
        )
        servers.append(nginx)
        token = login(nginx.port, "bench", password)

        report = Report()
        small_requests(report, nginx, gunicorn, token, seconds, (1, 16))
        transfers(report, scratch, nginx, gunicorn, streaming, token, sizes, args.quick)
        many_uploads(report, scratch, nginx, gunicorn, token, clients, uploads, 400 * 1000)

        workers = os.environ.get("GUNICORN_WORKERS") or f"{os.cpu_count() * 2 + 1} (2 x CPUs + 1)"
        database = "MariaDB/MySQL" if database_url.startswith("mysql") else "SQLite"
        context = (
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {database}, "
            f"gunicorn.conf.py ({workers} sync workers, no recycling) behind deploy/nginx.conf, "
            "loopback; clients on the same cores; no analysis worker running"
        )
        print_report(report, context)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "context": context,
                        "figures": [{**asdict(f), "ratio": f.ratio} for f in report.figures],
                        "memory": report.memory,
                        "failures": report.failures,
                    },
                    indent=2,
                )
            )
        return 1 if report.failures else 0
    finally:
        for server in reversed(servers):
            server.stop()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
