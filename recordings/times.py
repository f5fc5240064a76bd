"""The three ways devices send Start_Time and End_Time.

- `HH:MM:SS[.ffffff]`: a time of day on the day of the upload, UTC. When both times are times of
  day and the end is before the start, the recording ran past midnight: the end is the next day.
- epoch seconds, integer or decimal;
- an ISO 8601 date-time (UTC when it carries no offset).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime, parse_time

EPOCH_PATTERN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,9})?$")


class TimeFormatError(ValueError):
    pass


def parse_legacy_time(value: str) -> datetime | time:
    """A timezone-aware datetime, or a bare time of day still to be placed on a date."""
    text = value.strip()
    if EPOCH_PATTERN.match(text):
        try:
            return datetime.fromtimestamp(float(Decimal(text)), tz=UTC)
        except (OverflowError, OSError, ValueError, InvalidOperation) as exc:
            raise TimeFormatError("Epoch seconds out of range.") from exc
    try:
        moment = parse_datetime(text)
    except ValueError as exc:  # well-formed but impossible, e.g. month 13
        raise TimeFormatError(str(exc)) from exc
    if moment is not None:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        time_of_day = parse_time(text)
    except ValueError as exc:
        raise TimeFormatError(str(exc)) from exc
    if time_of_day is not None and time_of_day.tzinfo is None:
        return time_of_day
    raise TimeFormatError("Use HH:MM:SS, epoch seconds or an ISO 8601 date-time.")


def resolve_recording_times(
    start: datetime | time, end: datetime | time, *, upload_day: date
) -> tuple[datetime, datetime]:
    """Place times of day on the upload day, rolling an earlier end over to the next day."""

    def on_upload_day(moment: datetime | time) -> datetime:
        if isinstance(moment, datetime):
            return moment
        return datetime.combine(upload_day, moment, tzinfo=UTC)

    start_at, end_at = on_upload_day(start), on_upload_day(end)
    both_times_of_day = not isinstance(start, datetime) and not isinstance(end, datetime)
    if both_times_of_day and end_at < start_at:
        end_at += timedelta(days=1)
    return start_at, end_at
