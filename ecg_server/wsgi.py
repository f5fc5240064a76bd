"""WSGI entry point: ``gunicorn ecg_server.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecg_server.settings")

application = get_wsgi_application()
