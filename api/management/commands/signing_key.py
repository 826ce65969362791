from django.core.management.base import BaseCommand

from api.keys import new_key


class Command(BaseCommand):
    help = "Print a new Ed25519 signing key for CONSOLE_SIGNING_KEYS (put it first to rotate)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(new_key())
