"""Where a small request's time goes: get_ota, post_data (400 KB) and get_data, in-process.

Runs each request through Django's full stack (middleware, DRF, ORM, MariaDB) without HTTP,
and prints per request: the mean time, the SQL statements and the time spent waiting on the
database, compiling ORM queries, and everything else, beside a constant DRF view. With
--cprofile it also prints cProfile's top functions by cumulative time.

    .venv/bin/python -m bench.profile_requests
    BENCH_DATABASE_URL=mysql://... .venv/bin/python -m bench.profile_requests --cprofile get_ota

The database named by BENCH_DATABASE_URL (default: root on 127.0.0.1:3306, database
ecg_bench_profile) is dropped and re-created; files go to a scratch folder.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import recreate_mysql_database

DEFAULT_DATABASE_URL = "mysql://root@127.0.0.1:3306/ecg_bench_profile"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--cprofile", choices=("get_ota", "post_data", "get_data", "constant"))
    args = parser.parse_args(argv)

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if database_url.startswith("mysql"):
        recreate_mysql_database(database_url)
    scratch = Path(tempfile.mkdtemp(prefix="ecg-profile-"))
    os.environ.update(
        DATA_DIR=str(scratch),
        DATABASE_URL=database_url,
        SECRET_KEY="profile-only-" + os.urandom(8).hex(),
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    try:
        return profile(args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def profile(args) -> int:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.db.models.sql import compiler
    from django.test import Client

    from accounts.models import User
    from devices.services import device_register
    from patients.services import patient_register

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("profile", password="Profile-Password-1")
    device_register(user=user, serial_number="PROF-1")
    patient_register(owner=user, patient_number="PROF-P", name="Profile")
    client = Client()
    token = client.post(
        "/api/login",
        {"username": "profile", "password": "Profile-Password-1"},
        content_type="application/json",
    ).json()
    ota_body = json.dumps({"session_id": token, "serial_number": "PROF-1"})
    content = os.urandom(400_000)
    uploads = iter(range(10**9))

    def post_data():
        return client.post(
            "/api/post_data",
            {
                "session_id": token,
                "data_id": f"prof-{next(uploads)}",
                "device_sl_no": "PROF-1",
                "patient_no": "PROF-P",
                "Start_Time": "2026-12-01T10:00:00Z",
                "End_Time": "2026-12-01T10:10:00Z",
                "File": SimpleUploadedFile("rec.bin", content),
            },
        )

    requests = {
        "constant": lambda: client.get("/bench/constant"),
        "get_ota": lambda: client.generic(
            "GET", "/api/get_ota", ota_body, content_type="application/json"
        ),
        "post_data": post_data,
        "get_data": lambda: client.get(
            "/api/get_data/prof-0", headers={"authorization": f"Bearer {token}"}
        ),
    }

    # Meters: time inside the database driver, and inside the ORM's SQL compiler.
    waited = {"db": 0.0, "compile": 0.0, "statements": 0}

    def database_wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited["db"] += time.perf_counter() - started
            waited["statements"] += 1

    original_as_sql = compiler.SQLCompiler.as_sql

    def timed_as_sql(self, *a, **k):
        started = time.perf_counter()
        try:
            return original_as_sql(self, *a, **k)
        finally:
            waited["compile"] += time.perf_counter() - started

    print(f"\nIn-process cost per request ({connection.vendor}, {args.requests} requests each)\n")
    print(
        f"| {'request':<16} | {'total ms':>8} | {'SQL':>4} | {'database ms':>11} | "
        f"{'ORM compile ms':>14} | {'rest ms':>7}"
    )
    print(f"|{'-' * 18}|{'-' * 10}|{'-' * 6}|{'-' * 13}|{'-' * 16}|{'-' * 9}")
    compiler.SQLCompiler.as_sql = timed_as_sql
    try:
        for name, request in requests.items():
            response = request()  # warm up (and, for post_data, store prof-0)
            if response.status_code != 200:
                print(f"{name}: {response.status_code} {response.content[:200]!r}")
                return 1
            for key in waited:
                waited[key] = 0
            with connection.execute_wrapper(database_wrapper):
                started = time.perf_counter()
                for _ in range(args.requests):
                    b"".join(request())  # consume streamed bodies
                total = (time.perf_counter() - started) / args.requests * 1000
            db, orm = (waited[k] / args.requests * 1000 for k in ("db", "compile"))
            print(
                f"| {name:<16} | {total:8.2f} | {waited['statements'] / args.requests:4.0f} | "
                f"{db:11.2f} | {orm:14.2f} | {total - db - orm:7.2f}"
            )
    finally:
        compiler.SQLCompiler.as_sql = original_as_sql

    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            b"".join(requests[args.cprofile]())
        profiler.disable()
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
