"""Production settings plus one extra route, for the small-request baseline of bench/suite.py.

The baseline must run under exactly the same configuration as the API (middleware, renderers,
gunicorn, nginx), so only the URL configuration differs.
"""

from ecg_server.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
