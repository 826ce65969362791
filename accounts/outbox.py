"""The email outbox: every email is a row first, then a Celery task delivers it.

email_queue stores a rendered message (bodies encrypted) in the transaction that caused it and
queues the task after commit; email_deliver sends it over SMTP at most once as far as the
database can tell; outbox_requeue picks up what the broker or the SMTP server did not take.
"""

import logging
import random
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from . import encryption
from .models import OutboundEmail

logger = logging.getLogger(__name__)


class EmailDeliveryError(Exception):
    """A delivery that may succeed later (the SMTP server is down or refused for now)."""


def email_queue(*, message: EmailMessage) -> OutboundEmail:
    """Keep a rendered message in the outbox and hand it to the worker after commit.

    If the transaction rolls back, the row and the task go with it: nothing is sent for a
    sign-up that did not happen. If the broker is down, the row stays pending and
    outbox_flush queues it again once the broker is back.
    """
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    text = message.body
    if getattr(message, "content_subtype", "plain") == "html" and not html:
        html, text = message.body, ""
    outbound = OutboundEmail.objects.create(
        to=list(message.to),
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        subject=message.subject[:255],
        body_text_encrypted=encryption.encrypt(text),
        body_html_encrypted=encryption.encrypt(html),
    )
    transaction.on_commit(lambda: email_publish(outbox_id=str(outbound.pk)))
    return outbound


def email_publish(*, outbox_id: str) -> bool:
    """Queue the delivery task; never raise, since the outbox row already keeps the message."""
    # The one import inside a function: accounts.tasks imports this module for its tasks, so
    # the task is looked up when a message is queued, after both modules are loaded.
    from .tasks import deliver_email

    try:
        deliver_email.apply_async(args=[outbox_id])
    except Exception as exc:  # any broker failure: the outbox row is the safety net
        logger.warning(
            "Broker unavailable (%s); email %s stays in the outbox.", type(exc).__name__, outbox_id
        )
        return False
    return True


EMAIL_RETRY_CAP_SECONDS = 600


def email_retry_countdown(*, retries: int) -> float:
    """Seconds before retry number `retries` + 1: exponential, capped, with "equal jitter".

    Half of the interval is fixed and half random, so retries of many messages after one
    outage spread out, yet none comes back immediately.
    """
    ceiling = min(EMAIL_RETRY_CAP_SECONDS, settings.CONSOLE_EMAIL_RETRY_BACKOFF * 2**retries)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - spreading load, not a secret


def email_deliver(*, outbox_id: str, retry_in: float = 0) -> bool:
    """Send one outbox message over SMTP, at most once as far as this database can tell.

    The row is locked for the duration of the send, so two workers running the same task
    (late acks make that possible) cannot both send it: the second skips the locked row,
    then finds it sent. Returns True if this call sent it.

    On failure the row records the attempt and is marked as queued `retry_in` seconds from
    now, the time of the task's own retry, so outbox_flush leaves it alone until that retry
    is overdue: one message never has two retry chains.

    Delivery is at least once: a worker that dies after the SMTP server took the message but
    before the commit sends it again, with the same Message-ID for the receiver to drop.
    """
    failure: Exception | None = None
    with transaction.atomic():
        outbound = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if outbound is None:
            return False
        try:
            _smtp_send(outbound)
        except (smtplib.SMTPException, OSError) as exc:
            failure = exc
            outbound.attempts += 1
            outbound.last_error = f"{type(exc).__name__}: {exc}"[:255]
            outbound.queued_at = timezone.now() + timedelta(seconds=retry_in)
            outbound.save(update_fields=["attempts", "last_error", "queued_at"])
        else:
            outbound.status = OutboundEmail.Status.SENT
            outbound.sent_at = timezone.now()
            outbound.attempts += 1
            outbound.last_error = ""
            # The bodies carry one-time links; nothing needs them once sent.
            outbound.body_text_encrypted = ""
            outbound.body_html_encrypted = ""
            outbound.save()
    if failure is not None:
        raise EmailDeliveryError(str(failure)) from failure
    return True


def _smtp_send(outbound: OutboundEmail) -> None:
    text = encryption.decrypt(outbound.body_text_encrypted)
    html = encryption.decrypt(outbound.body_html_encrypted)
    message = EmailMultiAlternatives(
        subject=outbound.subject,
        body=text,
        from_email=outbound.from_email,
        to=outbound.to,
        headers={"Message-ID": outbound.message_id},
        connection=get_connection(fail_silently=False),
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def outbox_requeue(*, older_than: timedelta | None = None) -> int:
    """Queue again every pending message that has waited too long (broker or SMTP outage)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.CONSOLE_OUTBOX_STALE_SECONDS)
    now = timezone.now()
    # Links in these emails expire after a few days; older ones are not worth sending.
    horizon = now - timedelta(days=settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS)
    stale = list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING,
            queued_at__lte=now - older_than,
            created_at__gte=horizon,
        )
        .order_by("queued_at")
        .values_list("pk", flat=True)[:500]
    )
    if not stale:
        return 0
    OutboundEmail.objects.filter(pk__in=stale).update(queued_at=now)
    queued = 0
    for pk in stale:
        if not email_publish(outbox_id=str(pk)):
            break
        queued += 1
    return queued
