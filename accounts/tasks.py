from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    bind=True,
    autoretry_for=(services.EmailDeliveryError,),
    retry_backoff=settings.CONSOLE_EMAIL_RETRY_BACKOFF,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.CONSOLE_EMAIL_MAX_RETRIES,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_email(self, outbox_id: str) -> bool:
    """Idempotent: a message already sent (or being sent by another worker) is skipped."""
    return services.email_deliver(outbox_id=outbox_id)


@shared_task
def outbox_flush() -> int:
    """Periodic (Celery beat): re-queue outbox rows the broker or SMTP server did not take."""
    return services.outbox_requeue()
