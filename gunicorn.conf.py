"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py ecg_server.wsgi:application`.

Sized from the machine's CPU count; every value can be overridden from the environment
(GUNICORN_WORKERS, GUNICORN_BIND, GUNICORN_TIMEOUT, ...). Run it behind the nginx configuration
in deploy/nginx.conf, which buffers request bodies so that a slow upload never pins a worker.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: the work is disk and database bound; nginx absorbs slow clients.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# A 1 GiB upload arrives from nginx at disk speed, but hashing and storing it still takes time.
timeout = _int("GUNICORN_TIMEOUT", 300)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, staggered, so a slow leak can never grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Heartbeat files in memory, not on a possibly slow disk (gunicorn's own recommendation).
_SHARED_MEMORY = "/dev/shm"  # noqa: S108 (only gunicorn's worker heartbeat files go here)
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None
# "-" logs every request to standard output; an empty value turns the access log off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only the local nginx (or the docker network) may set X-Forwarded-* for gunicorn itself.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
