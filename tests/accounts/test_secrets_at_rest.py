"""The raw session token and the raw OTP are stored nowhere in the database."""

import json
import re

import pytest
from django.db import connection

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every value of every table, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names come from introspection)
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_the_session_token_is_not_stored(api, owner):
    token = json.loads(
        api.post_json("/api/login", {"username": "owner", "password": DEFAULT_PASSWORD}).content
    )
    text = database_text()
    assert "owner" in text  # the dump does see the data
    assert token not in text
    assert token.upper() not in text.upper()


def test_the_otp_is_not_stored(api, owner, mailoutbox):
    api.post_json("/api/forgot_password", {"username": "owner", "email": owner.email})
    otp = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)
    assert otp not in database_text()
