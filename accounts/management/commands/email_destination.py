from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Say where the console's emails go (never printing a password)."

    def handle(self, *args, **options) -> None:
        backend = settings.EMAIL_BACKEND
        if backend.endswith("console.EmailBackend"):
            where = "printed in this terminal (set EMAIL_URL=smtp://host:port to send them)"
        elif backend.endswith("smtp.EmailBackend"):
            where = f"sent over SMTP to {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        else:
            where = f"handled by {backend}"
        mode = (
            "in the web process"
            if settings.CELERY_TASK_ALWAYS_EAGER
            else f"by the Celery worker on {urlsplit(settings.CELERY_BROKER_URL).hostname}"
        )
        self.stdout.write(f"Emails are {where}; they are delivered {mode}.")
