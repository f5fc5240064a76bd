from django.core.management.base import BaseCommand

from accounts.attempts import attempts_purge_expired
from accounts.services import sessions_purge_expired


class Command(BaseCommand):
    help = "Delete expired API sessions and throttling counters (safe to run from cron)."

    def handle(self, *args, **options) -> None:
        sessions = sessions_purge_expired()
        counters = attempts_purge_expired()
        self.stdout.write(f"Deleted {sessions} expired session(s) and {counters} counter(s).")
