from django.core.management.base import BaseCommand

from kyb import documents


class Command(BaseCommand):
    help = (
        "Encrypt KYB registration numbers, tax ids, dates of birth and documents again with the "
        "newest key of CONSOLE_ENCRYPTION_KEYS, after a new key was put in front of the list."
    )

    def handle(self, *args, **options) -> None:
        done = documents.kyb_reencrypt()
        self.stdout.write(f"Encrypted {done} KYB rows and documents with the newest key.")
