"""Invitations, driven through the pages by their visible labels (issue 6, PRODUCT.md).

The owner invites from the Team page; the email is rendered by the live server, written to the
outbox and, after commit, delivered by the real Celery worker (through Redis) to a real SMTP
server, where the test reads the link as the invitee would. Each invitee opens it in a browser
context of their own: a new user signs up and joins, an existing one logs in and joins. A link
that was used, cancelled, has expired or is opened by another account is refused.

One worker and one SMTP server serve the whole module (tests/integration/harness.py); the
worker reads the live server's database, so these tests need PostgreSQL.
"""

import os
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from accounts import selectors, services
from accounts.models import Invitation, Membership, OutboundEmail, Role, User
from tests.browser.conftest import link_in_email, log_in, screenshot
from tests.conftest import PASSWORD, celery_broker, organization_of, skip_or_fail
from tests.integration.harness import (
    ReceivedMessage,
    SmtpServer,
    Worker,
    redis_is_up,
    wait_until,
    worker_database_url,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

ARRIVAL_TIMEOUT = 20.0
ORGANIZATION = "Alice Fintech"
INVITATION_SUBJECT = f"Console: You're invited to join {ORGANIZATION}"
CANT_BE_USED = "This invitation can't be used"


# --- The real delivery: one SMTP server and one worker for the module ----------------------------


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def delivery_worker(django_db_setup, smtp_server, tmp_path_factory) -> Iterator[Worker]:
    """A Celery worker on production settings, reading the test database the live server writes.

    Without beat: every email here is published by the web process after its commit.
    """
    if connection.vendor != "postgresql":
        skip_or_fail(
            "the invitation journeys need PostgreSQL (DATABASE_URL=postgres://…): the worker "
            "reads the live server's database, which an in-memory SQLite can't share"
        )
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        skip_or_fail("REDIS_URL is not set, so there is no broker for the invitation journeys")
    if not redis_is_up(redis_url):
        skip_or_fail("Redis at REDIS_URL does not answer")
    worker = Worker(
        broker_url=redis_url,
        database_url=worker_database_url(),
        smtp_url=smtp_server.url,
        workdir=tmp_path_factory.mktemp("invitation-worker"),
        beat=False,
    )
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        worker.forget_queue()


@pytest.fixture
def mail(delivery_worker, smtp_server, browser_settings) -> Iterator["Mail"]:
    """This process (the live server's thread among it) publishes to the module's worker."""
    smtp_server.clear()
    with celery_broker(delivery_worker.broker_url, queue=delivery_worker.queue):
        yield Mail(smtp_server, delivery_worker, browser_settings.CONSOLE_BASE_URL)


class Mail:
    def __init__(self, smtp: SmtpServer, worker: Worker, base_url: str) -> None:
        self.smtp, self.worker, self.base_url = smtp, worker, base_url

    def invitation_to(self, address: str) -> ReceivedMessage:
        """The invitation email to `address`, once the SMTP server has it."""
        return wait_until(
            lambda: [m for m in self.smtp.messages_to(address) if subject(m) == INVITATION_SUBJECT],
            timeout=ARRIVAL_TIMEOUT,
            what=f"the invitation to {address} at the SMTP server",
            diagnostics=lambda: outbox_state(address) + "\n" + self.worker.diagnostics(),
        )[0]

    def invitation_link(self, address: str) -> str:
        """The link of the invitation email to `address`, the same in both of its parts."""
        received = self.invitation_to(address)
        text = received.message.get_body(preferencelist=("plain",))
        html = received.message.get_body(preferencelist=("html",))
        assert text is not None, "the invitation has no text/plain part"
        assert html is not None, "the invitation has no text/html part"
        link = link_in_email(text.get_content(), self.base_url)
        in_html = link in html.get_content()
        assert in_html, "the HTML part of the invitation doesn't hold the text part's link"
        return link


def subject(received: ReceivedMessage) -> str:
    return str(received.message["Subject"])


def outbox_state(address: str) -> str:
    rows = OutboundEmail.objects.filter(to__contains=[address]).values_list(
        "subject", "status", "attempts", "last_error"
    )
    return f"outbox rows for {address}: {list(rows)}"


# --- Pages ------------------------------------------------------------------------------------


def navigate(page, name: str) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def invite_form(page):
    return page.get_by_role("region", name="Invite a member").locator("form")


def invite_through_the_team_page(page, email: str, role: str) -> None:
    navigate(page, "Team")
    expect(page.get_by_role("heading", level=1, name="Team")).to_be_visible()
    form = invite_form(page)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Send invitation").click()
    expect(
        page.get_by_text(f"Invitation sent to {email}. The link works for 7 days.")
    ).to_be_visible()


def members(page):
    return page.get_by_role("table", name=f"Members of {ORGANIZATION}")


def pending(page):
    return page.get_by_role("table", name="Pending invitations")


def row_of(table, email: str):
    return table.get_by_role("row").filter(has=table.page.get_by_role("cell", name=email))


def expect_refused(page, response, message: str) -> None:
    """The link's page says why it can't be used, and offers neither joining nor signing up."""
    status = response.status if response else None
    assert status == 410, "a refused link should be Gone"
    expect(page.get_by_role("heading", level=1, name=CANT_BE_USED)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_role("button", name=re.compile(r"^(Join|Sign up)"))).to_have_count(0)
    expect(page.get_by_role("link", name="Log in to accept")).to_have_count(0)


def refused_documents(*statuses: str) -> list[str]:
    """What Chromium logs for each refused link it opened (a page whose status is its answer:
    410 Gone, 403 Forbidden); any other console error fails the test."""
    return [f"Failed to load resource: the server responded with a status of {s}" for s in statuses]


def invite_through_the_service(alice: User, email: str, role: str = Role.DEVELOPER) -> Invitation:
    """An invitation as the Team page would make it; its email goes through the worker too."""
    return services.invitation_create(
        organization=organization_of(alice), email=email, role=role, invited_by=alice
    )


# --- Tests ----------------------------------------------------------------------------------------


def test_a_new_user_signs_up_from_the_invitation_and_the_used_link_is_then_refused(
    page, new_person, mail, alice, browser_errors
):
    log_in(page, alice.email)
    invite_through_the_team_page(page, "nora@example.com", "Viewer")
    invited = row_of(pending(page), "nora@example.com")
    expect(invited).to_contain_text("Viewer")
    expect(invited).to_contain_text(alice.email)
    screenshot(page, "team-invitation-pending")

    link = mail.invitation_link("nora@example.com")

    nora = new_person()
    nora.goto(link)
    expect(nora.get_by_role("heading", level=1, name=f"Join {ORGANIZATION}")).to_be_visible()
    expect(nora.get_by_text(f"{alice.email} invited nora@example.com to join")).to_be_visible()
    expect(nora.get_by_label("Email")).to_have_value("nora@example.com")
    expect(nora.get_by_label("Email")).to_be_disabled()
    screenshot(nora, "invitation-sign-up")
    nora.get_by_label("Password", exact=True).fill(PASSWORD)
    nora.get_by_label("Password (again)").fill(PASSWORD)
    nora.get_by_role("button", name="Sign up and join").click()

    expect(nora.get_by_text(f"You joined {ORGANIZATION} as viewer.")).to_be_visible()
    expect(nora.get_by_title("Organization")).to_have_text(ORGANIZATION)
    navigate(nora, "Team")
    expect(row_of(members(nora), "nora@example.com")).to_contain_text("Viewer")
    expect(row_of(members(nora), "nora@example.com")).to_contain_text("You")
    expect(row_of(members(nora), alice.email)).to_contain_text("Owner")

    # The owner sees the new member, and the invitation is no longer pending.
    page.reload()
    expect(row_of(members(page), "nora@example.com")).to_contain_text("Viewer")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()

    user = User.objects.get(email="nora@example.com")
    assert EmailAddress.objects.get(user=user).verified  # the invitation proved the address
    assert Membership.objects.get(user=user).role == Role.VIEWER
    assert organization_of(user) == organization_of(alice)

    # The link works once: opened again (by anyone), it is refused.
    someone = new_person()
    response = someone.goto(link)
    expect_refused(someone, response, selectors.INVITATION_USED)
    screenshot(someone, "invitation-used")
    response = nora.goto(link)
    expect_refused(nora, response, selectors.INVITATION_USED)
    assert Membership.objects.filter(user=user).count() == 1
    assert browser_errors == refused_documents("410 (Gone)", "410 (Gone)")


def test_an_existing_user_logs_in_to_accept_and_then_switches_between_two_organizations(
    page, new_person, mail, alice, make_user, browser_errors
):
    bob = make_user("bob@example.com", organization="Bob Bank")
    log_in(page, alice.email)
    invite_through_the_team_page(page, bob.email, "Admin")
    link = mail.invitation_link(bob.email)

    visitor = new_person()
    visitor.goto(link)
    expect(visitor.get_by_role("heading", level=1, name=f"Join {ORGANIZATION}")).to_be_visible()
    expect(
        visitor.get_by_text(f"You already have a Console account for {bob.email}")
    ).to_be_visible()
    expect(visitor.get_by_role("button", name="Sign up and join")).to_have_count(0)
    visitor.get_by_role("link", name="Log in to accept").click()

    expect(visitor.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    visitor.get_by_label("Email").fill(bob.email)
    visitor.get_by_label("Password").fill(PASSWORD)
    visitor.get_by_role("button", name="Log in").click()

    # Back on the invitation, logged in as the invited address.
    expect(visitor.get_by_role("heading", level=1, name=f"Join {ORGANIZATION}")).to_be_visible()
    screenshot(visitor, "invitation-join")
    visitor.get_by_role("button", name=f"Join {ORGANIZATION}").click()
    expect(visitor.get_by_text(f"You joined {ORGANIZATION} as admin.")).to_be_visible()

    # Two organizations now: the top bar switches between them, the new one current.
    switcher = visitor.locator("summary", has_text=f"Switch organization, current: {ORGANIZATION}")
    expect(switcher).to_be_visible()
    switcher.click()
    choices = visitor.locator("form").filter(has=visitor.get_by_role("button", name="Bob Bank"))
    expect(choices.get_by_role("button")).to_have_text(["Bob Bank", ORGANIZATION])  # oldest first
    expect(choices.get_by_role("button", name=ORGANIZATION)).to_have_attribute(
        "aria-current", "true"
    )
    screenshot(visitor, "organization-switcher")
    choices.get_by_role("button", name="Bob Bank").click()

    expect(visitor.get_by_text("You are now working in Bob Bank.")).to_be_visible()
    expect(
        visitor.locator("summary", has_text="Switch organization, current: Bob Bank")
    ).to_be_visible()
    navigate(visitor, "Team")
    expect(visitor.get_by_role("table", name="Members of Bob Bank")).to_contain_text(bob.email)

    memberships = dict(
        Membership.objects.filter(user=bob).values_list("organization__name", "role")
    )
    assert memberships == {"Bob Bank": Role.OWNER, ORGANIZATION: Role.ADMIN}
    assert Invitation.objects.get(email=bob.email).accepted_by == bob
    assert browser_errors == []


def test_a_cancelled_invitation_link_is_refused(page, new_person, mail, alice, browser_errors):
    log_in(page, alice.email)
    invite_through_the_team_page(page, "erin@example.com", "Developer")
    link = mail.invitation_link("erin@example.com")

    row_of(pending(page), "erin@example.com").get_by_role(
        "button", name="Cancel the invitation to erin@example.com"
    ).click()
    expect(page.get_by_text("Invitation to erin@example.com cancelled.")).to_be_visible()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()

    erin = new_person()
    response = erin.goto(link)
    expect_refused(erin, response, selectors.INVITATION_CANCELLED)
    screenshot(erin, "invitation-cancelled")
    assert not User.objects.filter(email="erin@example.com").exists()
    assert browser_errors == refused_documents("410 (Gone)")


def test_an_expired_invitation_link_is_refused(page, new_person, mail, alice, browser_errors):
    invitation = invite_through_the_service(alice, "frank@example.com")
    link = mail.invitation_link("frank@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    frank = new_person()
    response = frank.goto(link)
    expect_refused(frank, response, selectors.INVITATION_EXPIRED)
    screenshot(frank, "invitation-expired")
    assert not User.objects.filter(email="frank@example.com").exists()

    # The owner sees it expired, and may send it again.
    log_in(page, alice.email)
    navigate(page, "Team")
    expired = row_of(pending(page), "frank@example.com")
    expect(expired).to_contain_text("Expired")
    expect(
        expired.get_by_role("button", name="Resend the invitation to frank@example.com")
    ).to_be_visible()
    assert browser_errors == refused_documents("410 (Gone)")


def test_a_link_opened_by_another_account_is_refused_until_the_invitee_signs_up(
    new_person, mail, alice, charlie, browser_errors
):
    invitation = invite_through_the_service(alice, "gina@example.com")
    link = mail.invitation_link("gina@example.com")

    # A page of its own, not the `page` argument: pytest prints a failed test's arguments, and
    # this page's address will be the link.
    page = new_person()
    log_in(page, charlie.email)
    expect(page.get_by_title("Organization")).to_have_text("Charlie Bank")
    response = page.goto(link)

    status = response.status if response else None
    assert status == 403, "a link for another account should be Forbidden"
    expect(page.get_by_role("heading", level=1, name=f"Join {ORGANIZATION}")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(
        f"This invitation is for gina@example.com, and you are logged in as {charlie.email}. "
        "Log out, then open the link again and log in or sign up as gina@example.com."
    )
    expect(page.get_by_role("button", name=re.compile(r"^Join"))).to_have_count(0)
    screenshot(page, "invitation-wrong-account")
    assert not Membership.objects.filter(
        user=charlie, organization=invitation.organization
    ).exists()
    invitation.refresh_from_db()
    assert invitation.pending

    # Logging out leads back to the link, where the invited person can sign up.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign up and join")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("gina@example.com")
    assert browser_errors == refused_documents("403 (Forbidden)")
