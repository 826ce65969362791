from celery import shared_task
from django.conf import settings

from . import outbox


@shared_task(
    bind=True,
    max_retries=settings.CONSOLE_EMAIL_MAX_RETRIES,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_email(self, outbox_id: str) -> bool:
    """Idempotent: a message already sent (or being sent by another worker) is skipped.

    A transient SMTP failure is retried with exponential backoff and jitter; once the retries
    are spent the message stays pending and outbox_flush starts over later.
    """
    countdown = outbox.email_retry_countdown(retries=self.request.retries)
    try:
        return outbox.email_deliver(outbox_id=outbox_id, retry_in=countdown)
    except outbox.EmailDeliveryError as exc:
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def outbox_flush() -> int:
    """Periodic (Celery beat): re-queue outbox rows the broker or SMTP server did not take."""
    return outbox.outbox_requeue()
