from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "Say how to create the first superuser when none exists yet."

    def handle(self, *args, **options) -> None:
        if User.objects.filter(is_superuser=True, is_active=True).exists():
            return
        self.stdout.write(
            self.style.WARNING(
                "No superuser exists yet. create_user is reserved for superusers, so create the "
                "first one with\n    make superuser\n(or `python manage.py createsuperuser` with "
                "the server's environment), then log in with POST /api/login."
            )
        )
