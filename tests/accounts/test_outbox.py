import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboundEmail
from tests.conftest import celery_broker

pytestmark = pytest.mark.django_db

LINK = "https://console.example.com/accounts/confirm-email/one-time-key-abc123/"


def message() -> EmailMultiAlternatives:
    msg = EmailMultiAlternatives(
        "Verify your email address", f"Open {LINK}", "Console <c@example.com>", ["d@example.com"]
    )
    msg.attach_alternative(f'<a href="{LINK}">Verify</a>', "text/html")
    return msg


def test_a_queued_email_is_kept_encrypted_and_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbound = outbox.email_queue(message=message())
    assert mail.outbox == []  # nothing leaves before the transaction commits

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body_text_encrypted, body_html_encrypted FROM accounts_outboundemail"
        )
        stored = " ".join(cursor.fetchone())
    assert "one-time-key" not in stored

    for callback in callbacks:
        callback()
    (sent,) = mail.outbox
    assert sent.body == f"Open {LINK}"
    assert sent.alternatives[0][0] == f'<a href="{LINK}">Verify</a>'
    assert sent.extra_headers["Message-ID"] == f"<{outbound.pk}@console>"


def test_a_sent_email_no_longer_holds_its_bodies(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbound = outbox.email_queue(message=message())
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT
    assert outbound.sent_at is not None
    assert outbound.body_text_encrypted == outbound.body_html_encrypted == ""


def test_delivering_twice_sends_once(pending):
    outbound = pending
    first = outbox.email_deliver(outbox_id=str(outbound.pk))
    second = outbox.email_deliver(outbox_id=str(outbound.pk))

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1


@pytest.fixture
def pending(django_capture_on_commit_callbacks) -> OutboundEmail:
    """A queued message whose task has not run."""
    with django_capture_on_commit_callbacks(execute=False):
        return outbox.email_queue(message=message())


@pytest.fixture
def smtp_down(settings):
    """Real SMTP connections, to a port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    return settings


def test_a_refused_delivery_keeps_the_message_pending_and_says_why(pending, smtp_down):
    outbound = pending
    with pytest.raises(outbox.EmailDeliveryError):
        outbox.email_deliver(outbox_id=str(outbound.pk))

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.PENDING
    assert outbound.attempts == 1
    assert "ConnectionRefusedError" in outbound.last_error
    assert "one-time-key" not in outbound.last_error


@pytest.mark.parametrize("retries", range(12))
def test_retries_back_off_exponentially_with_jitter_and_a_cap(settings, retries):
    settings.CONSOLE_EMAIL_RETRY_BACKOFF = 5
    ceiling = min(outbox.EMAIL_RETRY_CAP_SECONDS, 5 * 2**retries)
    waits = {outbox.email_retry_countdown(retries=retries) for _ in range(50)}
    assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
    assert len(waits) > 1  # jitter


def test_a_failing_delivery_is_retried_then_left_for_the_flush(pending, smtp_down):
    from accounts.tasks import deliver_email

    outbound = pending
    smtp_down.CONSOLE_EMAIL_RETRY_BACKOFF = 60
    started = timezone.now()

    deliver_email.apply(args=[str(outbound.pk)])  # eager: retries run at once, in a row

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.PENDING
    assert outbound.attempts == deliver_email.max_retries + 1
    # The flush leaves it alone until the last retry would have been due.
    assert outbound.queued_at > started + timedelta(seconds=30)
    assert outbox.outbox_requeue(older_than=timedelta(seconds=0)) == 0


def test_publishing_with_the_broker_down_fails_fast_and_keeps_the_row():
    """A real connection to a Redis port where nothing listens."""
    outbound = OutboundEmail.objects.create(
        to=["d@example.com"], from_email="c@example.com", subject="s"
    )
    with celery_broker("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        published = outbox.email_publish(outbox_id=str(outbound.pk))
        elapsed = time.monotonic() - started
    assert published is False
    assert elapsed < 5
    assert OutboundEmail.objects.get(pk=outbound.pk).status == OutboundEmail.Status.PENDING


def test_a_rolled_back_transaction_leaves_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.email_queue(message=message())
            raise RuntimeError("the sign-up failed")
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


def test_flush_queues_again_only_stale_pending_messages(settings):
    settings.CONSOLE_OUTBOX_STALE_SECONDS = 60
    now = timezone.now()

    def row(**fields):
        return OutboundEmail.objects.create(
            to=["d@example.com"], from_email="c@example.com", subject="s", **fields
        )

    stale = row(queued_at=now - timedelta(minutes=5))
    row(queued_at=now)  # fresh: its task is probably still on its way
    row(queued_at=now - timedelta(minutes=5), status="sent", sent_at=now)
    expired = row(queued_at=now - timedelta(days=10))  # its links have expired
    OutboundEmail.objects.filter(pk=expired.pk).update(created_at=now - timedelta(days=10))

    with pytest.MonkeyPatch.context() as patch:
        published = []
        patch.setattr(
            outbox, "email_publish", lambda *, outbox_id: published.append(outbox_id) or True
        )
        assert outbox.outbox_requeue() == 1
    assert published == [str(stale.pk)]
    stale.refresh_from_db()
    assert stale.queued_at > now - timedelta(seconds=5)
