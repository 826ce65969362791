"""Email delivery through the real worker, broker and SMTP server (no mocks).

A sign-up writes the rendered email to the outbox in its own transaction; after commit the
web process publishes `deliver_email`, and the worker sends it over SMTP. These tests check
that promise end to end, and that it survives a broker outage, an SMTP outage, a rollback
and a duplicate task.
"""

import re
import time
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts import outbox
from accounts.models import OutboundEmail, User
from tests.conftest import PASSWORD

from .harness import ReceivedMessage, SmtpServer, Worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ARRIVAL_TIMEOUT = 20.0
# Lines of the worker's log (celery.app.trace) that show which path delivered a message.
RETRIED = re.compile(r"deliver_email\[[^]]+\] retry: Retry in")
FLUSHED = re.compile(r"outbox_flush\[[^]]+\] succeeded in \S+: [1-9]")


def new_address() -> str:
    """Each test signs up its own address, so a late delivery from another test can't match."""
    return f"it-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(client: Client, address: str) -> float:
    """Sign up through the page; return how long the request took."""
    started = time.monotonic()
    response = client.post(
        reverse("account_signup"),
        {
            "email": address,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "organization_name": "Integration Lending",
        },
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, f"sign-up answered {response.status_code}"
    assert response["Location"] == reverse("account_email_verification_sent")
    return elapsed


def wait_for_message(
    smtp: SmtpServer, address: str, worker: Worker, timeout: float = ARRIVAL_TIMEOUT
) -> ReceivedMessage:
    return wait_until(
        lambda: smtp.messages_to(address),
        timeout=timeout,
        what=f"an email to {address} at the SMTP server",
        diagnostics=lambda: outbox_state(address) + "\n" + worker.diagnostics(),
    )[0]


def wait_until_sent(outbound: OutboundEmail, worker: Worker) -> OutboundEmail:
    """The worker commits "sent" just after the SMTP server took the message; wait for it."""

    def sent() -> OutboundEmail | None:
        outbound.refresh_from_db()
        return outbound if outbound.status == OutboundEmail.Status.SENT else None

    return wait_until(
        sent,
        timeout=10,
        what="the outbox row to be marked sent",
        diagnostics=lambda: outbox_state(outbound.to[0]) + "\n" + worker.diagnostics(),
    )


def outbox_state(address: str) -> str:
    rows = OutboundEmail.objects.filter(to=[address]).values_list(
        "status", "attempts", "last_error"
    )
    return f"outbox rows for {address}: {list(rows)}"


def shows(response, text: str) -> bool:
    """Whether a page shows text; a failed assert on it prints no page (it holds the key)."""
    return text.encode() in response.content


def plain_email(address: str, subject: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body="Nothing secret.", to=[address])
    message.attach_alternative("<p>Nothing secret.</p>", "text/html")
    return message


def test_signup_email_arrives_through_the_worker_and_its_link_verifies(
    client, smtp, publishing, timings
):
    address = new_address()

    started = time.monotonic()
    request_took = sign_up(client, address)
    received = wait_for_message(smtp, address, publishing)
    took = received.arrived_at - started
    timings.append(("sign-up POST → email at the SMTP server", took))
    timings.append(("sign-up response → email at the SMTP server", took - request_took))

    message = received.message
    outbound = OutboundEmail.objects.get(to=[address])
    assert message["Message-ID"] == f"<{outbound.id}@console>"
    assert message["To"] == address
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None, "the email has no text/plain part"
    assert html is not None, "the email has no text/html part"
    base = re.escape(settings.CONSOLE_BASE_URL)
    link = re.compile(base + r"(/accounts/confirm-email/[^\s\"'<]+)")
    in_text = link.search(text.get_content())
    in_html = link.search(html.get_content())
    assert in_text is not None, "no verification link under CONSOLE_BASE_URL in the text part"
    assert in_html is not None, "no verification link under CONSOLE_BASE_URL in the HTML part"
    path = in_text.group(1)
    same_link = in_html.group(1) == path
    assert same_link, "the text and HTML parts link to different places"

    # Sent: the outbox no longer holds the one-time link.
    wait_until_sent(outbound, publishing)
    wiped = outbound.body_text_encrypted == outbound.body_html_encrypted == ""
    assert wiped, "the sent outbox row still holds its bodies"

    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert shows(confirm_page, "Verify email")
    client.post(path)
    assert EmailAddress.objects.get(email=address).verified

    response = client.post(reverse("account_login"), {"login": address, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert shows(home, "Create your first app")


def test_signup_while_the_broker_is_down_succeeds_and_the_email_follows_when_it_is_back(
    client, smtp, own_redis, own_redis_worker
):
    address = new_address()
    own_redis.stop()

    took = sign_up(client, address)

    assert took < 5, f"sign-up took {took:.1f} s with the broker down"
    outbound = OutboundEmail.objects.get(to=[address])
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.PENDING, 0)
    assert User.objects.filter(email=address).exists()

    own_redis.start()

    received = wait_for_message(smtp, address, own_redis_worker, timeout=30)
    assert received.message["Message-ID"] == outbound.message_id
    wait_until_sent(outbound, own_redis_worker)
    # Its publish failed with the broker; the worker's beat found it in the outbox.
    flushed = FLUSHED.search(own_redis_worker.log_since(0))
    assert flushed, "no outbox_flush re-queued the message\n" + own_redis_worker.diagnostics()


def test_email_waits_out_an_smtp_outage_and_arrives_when_the_server_is_back(
    client, smtp, publishing
):
    address = new_address()
    log_offset = publishing.log_size()
    smtp.stop()

    sign_up(client, address)

    def failed_twice():
        row = OutboundEmail.objects.get(to=[address])
        return row if row.attempts >= 2 else None

    outbound = wait_until(
        failed_twice,
        timeout=20,
        what="two failed delivery attempts",
        diagnostics=lambda: outbox_state(address) + "\n" + publishing.diagnostics(),
    )
    assert outbound.status == OutboundEmail.Status.PENDING
    assert outbound.last_error  # the reason is kept for the operator
    assert smtp.messages_to(address) == []
    retried = RETRIED.search(publishing.log_since(log_offset))
    assert retried, "the worker never scheduled a retry\n" + publishing.diagnostics()

    smtp.start()

    received = wait_for_message(smtp, address, publishing, timeout=30)
    assert received.message["Message-ID"] == outbound.message_id
    wait_until_sent(outbound, publishing)
    assert outbound.attempts > 2
    assert len(smtp.messages_to(address)) == 1


def test_a_rolled_back_signup_sends_nothing(smtp, publishing, published_tasks):
    class Abandoned(Exception):
        pass

    ghost = new_address()
    with pytest.raises(Abandoned), transaction.atomic():
        sign_up(Client(), ghost)  # its request transaction becomes a savepoint of this one
        assert OutboundEmail.objects.filter(to=[ghost]).exists()  # written, then undone
        raise Abandoned

    assert not User.objects.filter(email=ghost).exists()
    assert not OutboundEmail.objects.filter(to=[ghost]).exists()
    assert published_tasks == [], "a task was published for a transaction that rolled back"

    # A message committed afterwards arrives, so the worker was alive and had its chance.
    sentinel = new_address()
    sentinel_id = str(outbox.email_queue(message=plain_email(sentinel, "Sentinel")).pk)
    wait_for_message(smtp, sentinel, publishing)
    assert smtp.messages_to(ghost) == []
    assert [task.args for task in published_tasks] == [(sentinel_id,)]


def test_a_duplicated_delivery_task_sends_the_message_once(smtp, publishing, published_tasks):
    address = new_address()
    outbound = outbox.email_queue(message=plain_email(address, "Once"))  # published once
    assert outbox.email_publish(outbox_id=str(outbound.pk))
    assert outbox.email_publish(outbox_id=str(outbound.pk))
    assert [(t.name, t.args) for t in published_tasks] == [
        ("accounts.tasks.deliver_email", (str(outbound.pk),))
    ] * 3

    # The worker takes tasks in order: once the sentinel is here, both duplicates have run.
    sentinel = new_address()
    outbox.email_queue(message=plain_email(sentinel, "Sentinel"))
    wait_for_message(smtp, sentinel, publishing)

    received = smtp.messages_to(address)
    assert [m.message["Message-ID"] for m in received] == [outbound.message_id]
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT
    assert outbound.attempts == 1
    assert outbox.email_deliver(outbox_id=str(outbound.pk)) is False
