from celery import shared_task

from . import services


@shared_task
def client_secrets_expire() -> int:
    """Free the slots of secrets past their expiry and record it (idempotent)."""
    return services.client_secrets_expire()


@shared_task
def unused_secrets_notify() -> int:
    """The weekly email about secrets unused for 90 days (idempotent within a week)."""
    return services.unused_secrets_notify()
