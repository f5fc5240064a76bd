import json
from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.models import AuditEvent


def _moment(text: str, *, end_of_day: bool) -> datetime:
    # A bare date means the whole day (parse_datetime would read it as midnight).
    day = parse_date(text) if len(text.strip()) == 10 else None
    moment = (
        datetime.combine(day, time.max if end_of_day else time.min) if day else parse_datetime(text)
    )
    if moment is None:
        raise CommandError(f"Not a date or date-time: {text!r}")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Export the audit log for a date range as JSON lines (one event per line), oldest first."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since", required=True, help="YYYY-MM-DD or ISO date-time (inclusive)"
        )
        parser.add_argument(
            "--until", required=True, help="YYYY-MM-DD (whole day) or ISO date-time"
        )
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args, since: str, until: str, output: str | None, **options) -> None:
        start, end = _moment(since, end_of_day=False), _moment(until, end_of_day=True)
        events = AuditEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=end).order_by(
            "occurred_at", "id"
        )
        stream = open(output, "w", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        try:
            for event in events.iterator(chunk_size=1000):
                line = json.dumps(
                    {
                        "id": event.id,
                        "occurred_at": event.occurred_at.isoformat(),
                        "action": event.action,
                        "outcome": event.outcome,
                        "actor": event.actor_username or None,
                        "actor_id": event.actor_id,
                        "session_id": event.session_id,
                        "object_type": event.object_type or None,
                        "object_id": event.object_id or None,
                        "client_address": event.client_address,
                        "detail": event.detail,
                    },
                    ensure_ascii=False,
                )
                stream.write(line + "\n")
        finally:
            if output:
                stream.close()
