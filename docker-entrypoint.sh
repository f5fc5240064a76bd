#!/bin/sh
# Bring the database schema up to date, say how to get the first superuser, then serve.
set -e
python manage.py migrate --no-input
python manage.py first_run_hint
exec "$@"
