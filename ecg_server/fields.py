"""Model fields shared by several apps."""

from __future__ import annotations

from django.db import models


class IdentifierField(models.CharField):
    """An identifier (serial number, patient number) compared exactly, on every database.

    MariaDB's and MySQL's default collations are case-insensitive, SQLite's is binary; so that
    `ECG-001` and `ecg-001` are the same identifier nowhere, the column uses a binary collation on
    MySQL/MariaDB. Values arrive whitespace-trimmed from the serializers, so the PAD SPACE rule of
    MySQL's binary collation never makes two stored values compare equal.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "mysql" and not self.db_collation:
            params["collation"] = "utf8mb4_bin"
        return params
