from celery import shared_task

from . import services


@shared_task
def authorization_codes_sweep() -> int:
    """Delete expired authorization codes (they can't be exchanged; idempotent)."""
    return services.authorization_codes_sweep()
