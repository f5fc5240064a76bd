"""How fast the clinician API lists one patient's recordings among a million, on MariaDB.

Seeds a scratch MariaDB database with 1,000,000 recordings (10,000 of them for the patient under
test, the rest spread over 9,999 other patients of 100 clinicians), 90 % of them analysed, with
INSERT ... SELECT from MariaDB's sequence engine, so seeding takes a minute or so and no file is
written. Then, through Django's test client with a real Bearer session (the full v2 stack:
authentication, filters, cursor, serializer, JSON):

- the first page of the patient's recordings, newest first;
- a page 100 pages deep, reached by following `next` cursors;
- last week of the patient's recordings that have an analysis;

each repeated and reported as the median and the 95th percentile, in milliseconds, followed by
EXPLAIN of the list query, to show which index answers it.

Usage (the database named in DATABASE_URL is DROPPED and re-created; use a scratch name):

    DATABASE_URL=mysql://root@127.0.0.1:3306/ecg_bench_list .venv/bin/python -m bench.recordings_list
    ... -m bench.recordings_list --rows 200000 --repeat 50    # quicker
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

TARGET_PATIENT_ROWS = 10_000
OTHER_PATIENTS = 9_999
CLINICIANS = 100
DEVICES = 1_000
# The newest recording; each row starts 31 s before the previous one, so times are distinct.
NEWEST = datetime(2026, 12, 1, tzinfo=UTC)
STEP_SECONDS = 31


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("mysql://"):
        sys.exit("Set DATABASE_URL=mysql://user@host:port/<scratch database> (it is re-created).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecg_server.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def recreate_database() -> None:
    from bench.harness import recreate_mysql_database

    recreate_mysql_database(os.environ["DATABASE_URL"])


def _clinician(number: int):
    from accounts.models import User

    user = User(username=f"clinician{number:03d}")
    user.set_unusable_password()
    return user


def seed(rows: int) -> tuple[str, int]:
    """Fill the database; returns the target patient's number and its owner's id."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from devices.models import Device
    from patients.models import Patient

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with transaction.atomic():
        User.objects.bulk_create(_clinician(n) for n in range(CLINICIANS))
        users = list(User.objects.order_by("id").values_list("id", flat=True))
        Device.objects.bulk_create(Device(serial_number=f"ECG-{n:04d}") for n in range(DEVICES))
        devices = list(Device.objects.order_by("id").values_list("id", flat=True))
        Patient.objects.bulk_create(
            Patient(
                patient_number=f"P-{n:05d}", name=f"Patient {n}", owner_id=users[n % CLINICIANS]
            )
            for n in range(OTHER_PATIENTS + 1)
        )
        patients = list(Patient.objects.order_by("id").values_list("id", flat=True))
    if any(ids[-1] - ids[0] + 1 != len(ids) for ids in (users, devices, patients)):
        sys.exit("The seeded ids are not consecutive; run against a fresh database.")

    # Row n (1-based): the first TARGET_PATIENT_ROWS belong to patient 0, the rest round-robin to
    # the other patients; the uploader is the patient's owner.
    patient_index = f"IF(seq <= {TARGET_PATIENT_ROWS}, 0, 1 + MOD(seq, {OTHER_PATIENTS}))"
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION unique_checks = 0")
        cursor.execute(
            f"""
            INSERT INTO recordings_recording
                (data_id, device_id, device_serial_number, patient_id, uploaded_by_id,
                 start_time, end_time, file, original_name, size, sha256, content_type,
                 sampling_rate_hint, sample_format_hint, created_at, updated_at)
            SELECT CONCAT('R-', seq),
                   {devices[0]} + MOD(seq, {DEVICES}),
                   CONCAT('ECG-', LPAD(MOD(seq, {DEVICES}), 4, '0')),
                   {patients[0]} + {patient_index},
                   {users[0]} + MOD({patient_index}, {CLINICIANS}),
                   %s - INTERVAL seq * {STEP_SECONDS} SECOND,
                   %s - INTERVAL seq * {STEP_SECONDS} SECOND + INTERVAL 10 SECOND,
                   CONCAT('recordings/seed/', seq, '.ecg'), 'rest.csv', 1048576,
                   SHA2(seq, 256), 'text/csv', NULL, '', %s, %s
            FROM seq_1_to_{rows}
            """,  # noqa: S608 (only integers computed here go into the text)
            [NEWEST.replace(tzinfo=None)] * 2 + [NEWEST.replace(tzinfo=None)] * 2,
        )
        cursor.execute(
            """
            INSERT INTO recordings_recordinganalysis
                (recording_id, sha256, state, reason, format, sampling_rate, lead_names,
                 sample_count, duration_seconds, units, gains, beat_count, mean_bpm, min_bpm,
                 max_bpm, algorithm, algorithm_version, summary_file, updated_at)
            SELECT id, sha256, 'done', '', 'csv', 500, '["I","II","III"]', 5000, 10, 'mV', '[]',
                   12, 72, 68, 76, 'pan-tompkins-multilead', '1.0.0', '', created_at
            FROM recordings_recording WHERE MOD(id, 10) <> 0
            """
        )
        cursor.execute("ANALYZE TABLE recordings_recording, recordings_recordinganalysis")
        cursor.fetchall()
    print(f"seed: {rows:,} recordings in {time.perf_counter() - started:.1f} s")
    return "P-00000", users[0]


def timed(client, url: str, repeat: int) -> tuple[list[float], dict]:
    samples, body = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code} {response.content[:300]!r}")
        body = response.json()
    return samples, body


def report(label: str, samples: list[float], body: dict) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label:<48} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   "
        f"({len(body['results'])} rows, next={'yes' if body['next'] else 'no'})"
    )


def explain(client, url: str, repeat: int) -> None:
    """The list query's plan, the rows it actually read, and its time alone in the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    sql = next(q["sql"] for q in captured.captured_queries if "recordings_recording" in q["sql"])
    with connection.cursor() as cursor:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
        # MariaDB's ANALYZE: EXPLAIN's columns plus r_rows, the rows each step really read.
        cursor.execute("ANALYZE " + sql)
        columns = [c[0] for c in cursor.description]
        table = [columns, *[[("" if v is None else str(v)) for v in row] for row in cursor]]
    where = sql[sql.index(" WHERE ") :]
    print(f"\n{url}\n  ...{where}")
    print(f"  the query alone: median {statistics.median(samples):.2f} ms")
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    for row in table:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depth", type=int, default=100, help="pages to follow for a deep page")
    args = parser.parse_args()
    if args.rows <= TARGET_PATIENT_ROWS:
        sys.exit(f"--rows must be more than {TARGET_PATIENT_ROWS}")

    setup_django()
    recreate_database()
    patient_number, owner_id = seed(args.rows)

    from django.test import Client

    from accounts.models import User
    from accounts.services import session_create

    _, token = session_create(user=User.objects.get(pk=owner_id))
    client = Client(headers={"authorization": f"Bearer {token}"})
    first_url = f"/api/v2/recordings?patient={patient_number}"
    client.get(first_url)  # warm the connection and the buffer pool

    print(f"\nv2 list of one patient's recordings ({TARGET_PATIENT_ROWS:,} of {args.rows:,} rows):")
    samples, body = timed(client, first_url, args.repeat)
    report("first page", samples, body)

    url = first_url
    for _ in range(args.depth):
        url = client.get(url).json()["next"]
    deep_url = url.removeprefix("http://testserver")
    samples, body = timed(client, deep_url, args.repeat)
    report(f"page {args.depth + 1} (cursor)", samples, body)

    week_before = NEWEST - timedelta(days=7)
    week_url = (
        f"{first_url}&has_analysis=true&start_after={week_before:%Y-%m-%dT%H:%M:%SZ}"
        f"&start_before={NEWEST:%Y-%m-%dT%H:%M:%SZ}"
    )
    samples, body = timed(client, week_url, args.repeat)
    report("last week, analysed only", samples, body)

    print("\nEXPLAIN (by ANALYZE, so r_rows shows the rows actually read):")
    explain(client, first_url, args.repeat)
    explain(client, deep_url, args.repeat)
    explain(client, week_url, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
