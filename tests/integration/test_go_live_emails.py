"""The emails of going to production, through the real worker, broker and SMTP server (issue 5).

Contact sales, a KYB submission and the staff's decisions each write their emails to the
outbox; after commit the web process publishes them and the worker sends them over SMTP. Each
test uses addresses of its own (the team addresses are settings, read when the email is
rendered in this process), so a late delivery from another test can't be counted here.
"""

import re
import uuid

import pytest
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from accounts.models import OutboundEmail, User
from accounts.outbox import email_queue
from kyb import services as kyb_services
from kyb.models import KybStatus, KybSubmission
from products.models import MonthlyVolume, Product
from tests.conftest import make_staff, organization_of
from tests.kyb.conftest import complete_kyb, request_access, submit_kyb

from .harness import ReceivedMessage, SmtpServer, Worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ARRIVAL_TIMEOUT = 20.0


def new_address(who: str) -> str:
    return f"it-{who}-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def team_addresses(settings) -> tuple[str, str]:
    """The sales team and the KYB review team, at addresses only this test uses."""
    settings.CONSOLE_SALES_EMAIL = new_address("sales")
    settings.CONSOLE_KYB_REVIEW_EMAIL = new_address("kyb-review")
    return settings.CONSOLE_SALES_EMAIL, settings.CONSOLE_KYB_REVIEW_EMAIL


@pytest.fixture
def owner(make_user) -> User:
    return make_user(new_address("owner"), organization="Alice Fintech")


@pytest.fixture
def reviewer(make_user) -> User:
    """A staff member who may review KYB (not a superuser: the permission is what counts), with
    an authenticator app: staff need two-factor log-in for the admin."""
    return make_staff(
        make_user, new_address("reviewer"), "review_kybsubmission", "view_kybsubmission"
    )


@pytest.fixture
def staff_client(reviewer) -> Client:
    """The admin, logged in as the reviewer."""
    client = Client()
    client.force_login(reviewer)
    return client


def subject(received: ReceivedMessage) -> str:
    return str(received.message["Subject"])


def text_of(received: ReceivedMessage) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None, f"{subject(received)!r} has no text/plain part"
    return part.get_content().replace("\r\n", "\n")  # SMTP carries lines as CRLF


def html_of(received: ReceivedMessage) -> str:
    part = received.message.get_body(preferencelist=("html",))
    assert part is not None, f"{subject(received)!r} has no text/html part"
    return part.get_content()


def outbox_state(address: str) -> str:
    rows = OutboundEmail.objects.filter(to__contains=[address]).values_list(
        "subject", "status", "attempts", "last_error"
    )
    return f"outbox rows for {address}: {list(rows)}"


def wait_for(smtp: SmtpServer, worker: Worker, address: str, subject_line: str) -> ReceivedMessage:
    """The first message to `address` with this subject, once the SMTP server has it."""
    return wait_until(
        lambda: [m for m in smtp.messages_to(address) if subject(m) == subject_line],
        timeout=ARRIVAL_TIMEOUT,
        what=f"{subject_line!r} to {address} at the SMTP server",
        diagnostics=lambda: outbox_state(address) + "\n" + worker.diagnostics(),
    )[0]


def drain(smtp: SmtpServer, worker: Worker) -> None:
    """Wait until every task published so far has run: the worker takes its queue in order, so
    once a sentinel queued now has arrived, a duplicate queued before it would have too."""
    sentinel = new_address("sentinel")
    email_queue(message=EmailMessage(subject="Sentinel", body="Nothing secret.", to=[sentinel]))
    wait_until(
        lambda: smtp.messages_to(sentinel),
        timeout=ARRIVAL_TIMEOUT,
        what="the sentinel message",
        diagnostics=worker.diagnostics,
    )


def subjects_to(smtp: SmtpServer, address: str) -> list[str]:
    return sorted(subject(m) for m in smtp.messages_to(address))


def assert_sent_once(received: ReceivedMessage) -> None:
    """Its Message-ID names its outbox row, which is marked sent after one attempt."""
    message_id = received.message["Message-ID"]
    assert message_id, f"{subject(received)!r} has no Message-ID"
    outbox_id = re.fullmatch(r"<([0-9a-f-]+)@console>", str(message_id))
    assert outbox_id, f"{subject(received)!r} has the Message-ID {message_id}"
    outbound = OutboundEmail.objects.get(pk=outbox_id.group(1))
    assert outbound.subject == subject(received)
    wait_until(
        lambda: OutboundEmail.objects.filter(
            pk=outbound.pk, status=OutboundEmail.Status.SENT, attempts=1
        ).exists(),
        timeout=10,
        what=f"the outbox row of {subject(received)!r} to be marked sent after one attempt",
    )


# --- Step 1: Contact sales --------------------------------------------------------------------


def test_contact_sales_emails_the_sales_team_and_the_sender_once_each(
    smtp, publishing, catalog, owner, team_addresses
):
    sales, _ = team_addresses
    typed_email = new_address("typed")  # the form's work email: the receipt doesn't go there
    client = Client()
    client.force_login(owner)

    response = client.post(
        reverse("products:contact_sales"),
        {
            "company_name": "Alice Fintech AB",
            "work_email": typed_email,
            "country": "SE",
            "website": "https://alice.example",
            "products": [
                Product.objects.get(slug="transactions").pk,
                Product.objects.get(slug="income-check").pk,
            ],
            "monthly_volume": MonthlyVolume.UP_TO_10K,
            "message": "We would like to go live in the spring.",
        },
    )
    assert response.status_code == 302, f"Contact sales answered {response.status_code}"

    lead_subject = "Console: New Contact sales form from Alice Fintech AB"
    lead = wait_for(smtp, publishing, sales, lead_subject)
    receipt = wait_for(smtp, publishing, owner.email, "Console: We received your message")
    drain(smtp, publishing)

    lead_text = text_of(lead)
    for detail in (
        typed_email,
        "Sweden",
        "https://alice.example",
        "Transactions",
        "Income Check",
        "1,000 to 10,000",
        "We would like to go live in the spring.",
    ):
        assert detail in lead_text, f"the sales lead does not mention {detail!r}"
    assert "Alice Fintech AB" in html_of(lead)
    receipt_text = text_of(receipt)
    assert "Transactions" in receipt_text and "Income Check" in receipt_text
    assert typed_email in receipt_text  # where the business team will answer
    assert subjects_to(smtp, sales) == [subject(lead)]
    assert subjects_to(smtp, owner.email) == [subject(receipt)]
    assert smtp.messages_to(typed_email) == []
    assert_sent_once(lead)
    assert_sent_once(receipt)


# --- Step 4: KYB submitted ----------------------------------------------------------------------


def test_a_submitted_kyb_emails_the_owners_and_admins_and_the_review_team(
    smtp, publishing, catalog, owner, add_member, team_addresses
):
    _, review_team = team_addresses
    organization = organization_of(owner)
    admin = add_member(organization, "admin", email=new_address("admin"))
    developer = add_member(organization, "developer", email=new_address("developer"))
    complete_kyb(owner)  # steps 1 to 3 and a full draft, through the services
    drain(smtp, publishing)  # the Contact sales emails of step 1 are out of the way
    smtp.clear()
    client = Client()
    client.force_login(admin)

    response = client.post(reverse("kyb:submit"))
    assert response.status_code == 302, f"Submit KYB answered {response.status_code}"

    submitted = wait_for(smtp, publishing, owner.email, "Console: Your KYB was submitted")
    waiting = wait_for(smtp, publishing, review_team, "Console: KYB to review: Alice Fintech AB")
    drain(smtp, publishing)

    # One message to the organization's owners and admins together.
    assert sorted(submitted.envelope_to) == sorted([owner.email, admin.email])
    assert smtp.messages_to(admin.email) == [submitted]
    assert smtp.messages_to(developer.email) == []
    assert "Alice Fintech AB" in text_of(submitted)
    submission = KybSubmission.objects.get(organization=organization)
    review_text = text_of(waiting)
    assert "Transactions" in review_text
    admin_link = f"/admin/kyb/kybsubmission/{submission.pk}/change/"
    assert admin_link in review_text, "the review team's email does not link to the admin"
    assert subjects_to(smtp, owner.email) == [subject(submitted)]
    assert subjects_to(smtp, review_team) == [subject(waiting)]
    assert_sent_once(submitted)
    assert_sent_once(waiting)


# --- The staff's decisions ------------------------------------------------------------------------


def test_an_approval_in_the_admin_emails_production_access_approved_with_the_products(
    smtp, publishing, catalog, owner, staff_client, team_addresses
):
    request_access(owner, "transactions", "income-check")
    submission = submit_kyb(owner)
    drain(smtp, publishing)
    smtp.clear()

    response = staff_client.post(
        reverse("admin:kyb_kybsubmission_changelist"),
        {
            "action": "approve",
            "_selected_action": [submission.pk],
            "apply": "1",
            "note": "Welcome to production.",
        },
    )
    assert response.status_code == 302, f"the admin action answered {response.status_code}"
    submission.refresh_from_db()
    assert submission.status == KybStatus.APPROVED

    approved = wait_for(smtp, publishing, owner.email, "Console: Production access approved")
    drain(smtp, publishing)

    text = text_of(approved)
    for product in ("Transactions", "Income Check"):
        assert product in text, f"the approval does not name {product}"
        assert product in html_of(approved), f"the approval's HTML does not name {product}"
    assert "Welcome to production." in text
    assert subjects_to(smtp, owner.email) == [subject(approved)]
    assert_sent_once(approved)


def test_a_request_for_changes_emails_the_reviewers_note(
    smtp, publishing, catalog, owner, reviewer, team_addresses
):
    submission = submit_kyb(owner)
    drain(smtp, publishing)
    smtp.clear()
    note = "The proof of address is older than three months.\nUpload one from this quarter."

    kyb_services.kyb_submission_request_changes(submission=submission, reviewer=reviewer, note=note)

    changes = wait_for(smtp, publishing, owner.email, "Console: Changes requested on your KYB")
    drain(smtp, publishing)

    assert note in text_of(changes)
    html = html_of(changes)
    for line in note.splitlines():
        assert line in html, f"the HTML part does not hold the note's line {line!r}"
    assert "/kyb/" in text_of(changes)  # where to edit and resubmit
    assert subjects_to(smtp, owner.email) == [subject(changes)]
    assert_sent_once(changes)
