import base64

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Enrol an authenticator app (TOTP) for a staff member, who then signs in to the admin "
        "with a password and a six-digit code. Prints the key to add to the app."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--replace", action="store_true", help="remove the user's existing authenticators first"
        )
        parser.add_argument("--name", default="authenticator", help="a label for this device")

    def handle(self, *args, username: str, replace: bool, name: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_staff:
            raise CommandError(f"{username} is not staff; only staff use the admin.")
        if replace:
            TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        key = base64.b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"Authenticator enrolled for {username}.")
        self.stdout.write(
            f"Add this key to the authenticator app (TOTP, SHA-1, 6 digits, 30 s): {key}"
        )
        self.stdout.write(f"Or open this link on the phone: {device.config_url}")
        self.stdout.write("Then sign in at /admin/ with the password and the app's current code.")
