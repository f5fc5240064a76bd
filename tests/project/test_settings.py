"""Deploy-time settings come from the environment, as `.env.example` documents."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "EMAIL_URL"}
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "ecg_server.settings", "DATA_DIR": str(tmp_path / "data")}, **env
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_django("", tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_generates_and_keeps_a_local_secret_key(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_django(code, tmp_path, DEBUG="true")
    second = run_django(code, tmp_path, DEBUG="true")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "data" / "secret_key").read_text() == key
    assert oct((tmp_path / "data" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_debug_is_off_unless_asked(tmp_path):
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)", tmp_path, SECRET_KEY="k" * 50
    )
    assert result.stdout.strip() == "False"


def test_default_database_is_sqlite_under_the_data_folder(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = run_django(code, tmp_path, SECRET_KEY="k" * 50)
    assert result.stdout.strip() == str(tmp_path / "data" / "db.sqlite3")


@pytest.mark.parametrize("url", ["filemail:///{dir}", "filemail:////{dir}"])
def test_filemail_with_an_absolute_directory_really_writes_there(tmp_path, url):
    mail_dir = tmp_path / "outbox"
    code = (
        "from django.core.mail import send_mail\n"
        "send_mail('s', 'hello from the file backend', 'a@example.com', ['b@example.com'])"
    )
    result = run_django(
        code, tmp_path, SECRET_KEY="k" * 50, EMAIL_URL=url.format(dir=str(mail_dir).lstrip("/"))
    )
    assert result.returncode == 0, result.stderr
    messages = list(mail_dir.iterdir())
    assert len(messages) == 1
    assert "hello from the file backend" in messages[0].read_text()


def test_smtp_tls_url_configures_smtp(tmp_path):
    code = (
        "from django.conf import settings as s\n"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    result = run_django(
        code, tmp_path, SECRET_KEY="k" * 50, EMAIL_URL="smtp+tls://user:pw@mail.example.com:587"
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.com",
        "587",
        "True",
    ]


def test_session_and_otp_lifetimes_come_from_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s\n"
        "print(*(int(t.total_seconds()) for t in "
        "(s.API_SESSION_IDLE_TIMEOUT, s.API_SESSION_LIFETIME, s.OTP_LIFETIME)))"
    )
    result = run_django(
        code,
        tmp_path,
        SECRET_KEY="k" * 50,
        SESSION_IDLE_TIMEOUT="120",
        SESSION_LIFETIME="3600",
        OTP_LIFETIME="300",
    )
    assert result.stdout.split() == ["120", "3600", "300"]


def test_every_variable_the_settings_read_is_documented_in_env_example():
    import re

    source = (BASE_DIR / "ecg_server" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'_env_path\(\s*"([A-Z_]+)"', source))
    documented = set(
        re.findall(r"^#?\s*([A-Z_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE)
    )
    assert read <= documented, sorted(read - documented)


def test_tests_run_on_the_database_that_database_url_names():
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    expected = "mysql" if url.startswith("mysql") else "sqlite"
    assert connection.vendor == expected
    assert settings.DATABASES["default"]["ENGINE"].endswith(
        expected if expected == "mysql" else "sqlite3"
    )


def test_env_example_as_it_stands_configures_a_working_server(tmp_path):
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    values.update(
        SECRET_KEY="k" * 50, DATA_DIR=str(tmp_path / "data"), MEDIA_ROOT="", STATIC_ROOT=""
    )
    code = "from django.core.management import call_command; call_command('check')"
    result = run_django(code, tmp_path, **values)
    assert result.returncode == 0, result.stderr


def test_s3_bucket_switches_recordings_to_private_object_storage(tmp_path):
    code = (
        "from recordings.storage import recording_storage as r\n"
        "s = r()\n"
        "print(type(s).__name__, s.bucket_name, s.file_overwrite, s.default_acl, s.endpoint_url)"
    )
    result = run_django(
        code,
        tmp_path,
        SECRET_KEY="k" * 50,
        S3_BUCKET="ecg",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert result.stdout.split() == [
        "S3Storage",
        "ecg",
        "False",
        "private",
        "http://127.0.0.1:9000",
    ]


def test_recordings_stay_on_the_local_disk_by_default(tmp_path):
    code = "from recordings.storage import recording_storage as r; print(type(r()).__name__)"
    assert run_django(code, tmp_path, SECRET_KEY="k" * 50).stdout.strip() == "FileSystemStorage"


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "pR0d-" + "x9Yz-" * 12,
        "ALLOWED_HOSTS": "ecg.example.org",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    code = (
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = run_django(code, tmp_path, **production)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_admin_cookies_are_secure_unless_debug(tmp_path):
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    assert run_django(code, tmp_path, SECRET_KEY="k" * 50).stdout.split() == ["True", "True"]
    assert run_django(code, tmp_path, DEBUG="true").stdout.split() == ["False", "False"]
