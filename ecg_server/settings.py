"""Settings for ECG Server.

Every deploy-time value comes from the environment (12-factor); `.env.example` lists and explains
each variable. A `.env` file in the project folder is read too, but real environment variables win.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def _env_path(name: str, default: Path) -> Path:
    """A folder from the environment; relative paths are relative to the project folder."""
    value = env.str(name, default="")
    return (BASE_DIR / value).resolve() if value else default


# Where the embedded database, the development secret key and uploaded files live by default.
DATA_DIR = _env_path("DATA_DIR", BASE_DIR / "data")

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key(key_file: Path) -> str:
    """Generate a secret key once and keep it, so development sessions survive restarts."""
    if key_file.is_file():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A production server refuses to start without one: set "
            "SECRET_KEY in the environment (see .env.example), or set DEBUG=true to let a "
            "development server generate and keep a local key."
        )
    SECRET_KEY = _development_secret_key(DATA_DIR / "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "devices",
    "patients",
    "recordings",
    "audit",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.context.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ecg_server.urls"
WSGI_APPLICATION = "ecg_server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASES = {
    "default": environ.Env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    ),
}
_database = DATABASES["default"]
if _database["ENGINE"] == "django.db.backends.mysql":
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"].setdefault("charset", "utf8mb4")
    # Strict mode turns silent truncation into an error; Django warns without it.
    _database["OPTIONS"].setdefault(
        "init_command", "SET sql_mode='STRICT_TRANS_TABLES', innodb_strict_mode=1"
    )
    _database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
elif _database["ENGINE"] == "django.db.backends.sqlite3":
    if _database["NAME"] != ":memory:":
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _database.setdefault("OPTIONS", {})
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait instead of failing
    # with "database is locked" when a read transaction upgrades to a write.
    _database["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _database["OPTIONS"].setdefault("timeout", 20)
    _database["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # Tests use a file, not Django's in-memory default, so that concurrent connections lock
    # and wait as they do in a real deployment.
    _database["TEST"] = {"NAME": str(DATA_DIR / "test_db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# API sessions (the legacy `session_id`): idle timeout and absolute lifetime, in seconds.
API_SESSION_IDLE_TIMEOUT = timedelta(seconds=env.int("SESSION_IDLE_TIMEOUT", default=7 * 86400))
API_SESSION_LIFETIME = timedelta(seconds=env.int("SESSION_LIFETIME", default=30 * 86400))
# The last-used time is written at most this often, not on every request.
API_SESSION_TOUCH_INTERVAL = timedelta(seconds=60)

# Password-reset codes (forgot_password).
OTP_LIFETIME = timedelta(seconds=env.int("OTP_LIFETIME", default=600))
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)

# The admin requires a TOTP second factor (django-otp) for every staff login.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ECG Server")

# create_user is reserved for superusers unless self-registration is opened.
ALLOW_SELF_REGISTRATION = env.bool("ALLOW_SELF_REGISTRATION", default=False)

# Failed logins, password-reset attempts and device claims allowed per window.
ATTEMPT_LIMITS = {
    "login": {
        "window": timedelta(seconds=env.int("LOGIN_ATTEMPT_WINDOW", default=900)),
        "account": env.int("LOGIN_ATTEMPTS_PER_ACCOUNT", default=10),
        "address": env.int("LOGIN_ATTEMPTS_PER_ADDRESS", default=50),
    },
    "password_reset": {
        "window": timedelta(seconds=env.int("PASSWORD_RESET_ATTEMPT_WINDOW", default=3600)),
        "account": env.int("PASSWORD_RESET_ATTEMPTS_PER_ACCOUNT", default=10),
        "address": env.int("PASSWORD_RESET_ATTEMPTS_PER_ADDRESS", default=30),
    },
    # Claims of an existing device with a wrong MAC address, per account.
    "device_claim": {
        "window": timedelta(seconds=env.int("DEVICE_CLAIM_ATTEMPT_WINDOW", default=3600)),
        "account": env.int("DEVICE_CLAIM_ATTEMPTS_PER_ACCOUNT", default=10),
    },
}

# The client address is REMOTE_ADDR unless the request comes from one of these proxies, whose
# X-Forwarded-For entries are then trusted (and only theirs).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- E-mail -----------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="") or "consolemail://"


def _email_settings(url: str) -> dict:
    config = environ.Env.email_url_config(url)
    if config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
        # django-environ drops the first character of the path, which turns the absolute
        # `filemail:///var/mail/ecg` into a relative directory; read the path ourselves.
        parsed = urlparse(url)
        if parsed.netloc:  # filemail://relative/dir
            path = Path(parsed.netloc + parsed.path)
        else:  # filemail:///absolute/dir (or four slashes, which django-environ expects)
            path = Path("/" + parsed.path.lstrip("/"))
        config["EMAIL_FILE_PATH"] = str(path if path.is_absolute() else BASE_DIR / path)
    return config


globals().update(_email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ECG Server <noreply@localhost>")

# --- Files ------------------------------------------------------------------------------------

MEDIA_ROOT = _env_path("MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "/media/"  # never routed: recordings leave only through the permission-checked API
STATIC_URL = "static/"
STATIC_ROOT = _env_path("STATIC_ROOT", DATA_DIR / "static")
# WhiteNoise serves the admin's static files under gunicorn; it warns when the folder is missing.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Recording files: under MEDIA_ROOT, never served as media (see recordings/downloads.py).
    "recordings": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Recordings go to S3-compatible object storage instead when a bucket is named. Objects are
# private, and an existing name is never overwritten silently (a new name is chosen instead).
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["recordings"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "location": env.str("S3_PREFIX", default=""),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "file_overwrite": False,
            "default_acl": "private",
            "querystring_auth": True,
            # Reading an object spools it to disk past this size, so memory stays flat.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }

# Downloads: behind nginx, hand the bytes to nginx after the permission check (X-Accel-Redirect
# to this internal location, e.g. /_protected/, see deploy/nginx.conf). With object storage,
# redirect to a presigned URL valid for S3_PRESIGNED_SECONDS instead of proxying the bytes.
RECORDINGS_X_ACCEL_PREFIX = env.str("RECORDINGS_X_ACCEL_PREFIX", default="")
S3_PRESIGNED_DOWNLOADS = env.bool("S3_PRESIGNED_DOWNLOADS", default=False)
S3_PRESIGNED_SECONDS = env.int("S3_PRESIGNED_SECONDS", default=60)

# Background work (recording analysis) goes through Django's task framework with the database
# backend, so the embedded setup needs no broker; `manage.py db_worker` runs the tasks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Sampling rate assumed for a CSV recording whose uploader did not say (Hz).
ECG_DEFAULT_SAMPLING_RATE = env.float("ECG_DEFAULT_SAMPLING_RATE", default=500.0)

# The largest recording post_data accepts, in bytes (default 1 GiB); larger uploads get 413.
RECORDING_MAX_BYTES = env.int("RECORDING_MAX_BYTES", default=1024**3)

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "ecg_server.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.SessionTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "ecg_server.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ECG Server API",
    "DESCRIPTION": (
        "Two APIs over the same accounts, sessions and data.\n\n"
        "**Clinician API** (`/api/v2/`, tags `v2: ...`): resources with JSON in and out, the "
        "session id in `Authorization: Bearer <session_id>` only, cursor-paginated lists, and "
        'one error shape `{"code", "message", "fields"}` whose `code` is stable.\n\n'
        "**Legacy API** (`/api/<verb>`, tag `legacy API`): the frozen wire contract spoken by "
        "deployed ECG devices and the old clinician app. Bodies are JSON unless stated; the "
        "session id may come in the body, the query string or an `Authorization: Token|Bearer "
        "<id>` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["ecg_server.schema.legacy_paths_without_trailing_slash"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ecg_server.schema.group_legacy_operations",
    ],
    "TAGS": [
        {"name": "v2: account", "description": "Clinician API: sessions and the caller's profile."},
        {"name": "v2: devices", "description": "Clinician API: ECG recorders."},
        {"name": "v2: patients", "description": "Clinician API: patients."},
        {"name": "v2: recordings", "description": "Clinician API: recordings and their analysis."},
        {"name": "legacy API", "description": "The device wire contract, unchanged."},
    ],
}

# --- HTTPS and browser security --------------------------------------------------------------
# Off by default so a plain-HTTP development server works; a production deployment behind HTTPS
# turns these on from the environment (see .env.example), and `check --deploy` is then clean.

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# The header a TLS-terminating proxy sets, e.g. X-Forwarded-Proto; trusted only when named here.
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
# The admin's cookies travel only over HTTPS unless this is a development server.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("ADMIN_SESSION_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Logging ----------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The handler's level matters: records from Django's loggers propagate past the root's level.
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
