"""A pending email change doesn't hold another person's address (issue 11, point 3).

An account that adds victim@corp.example and never verifies it used to stop the victim from
signing up with it. Now an address held only by other accounts' pending changes is free to
sign up with; whoever verifies it first keeps it, and the other claims are dropped (a pending
change's owner is told).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, User
from tests.conftest import PASSWORD, reauthenticate

pytestmark = pytest.mark.django_db

BASE = "http://console.test"
VICTIM = "victim@corp.example"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE


def confirmation_path(message) -> str:
    return re.search(rf"{re.escape(BASE)}(/accounts/confirm-email/\S+)", message.body).group(1)


@pytest.fixture
def victim_browser() -> Client:
    return Client()


@pytest.fixture
def squatted(alice_client, alice, run, mailoutbox):
    """Alice asked to change her address to the victim's and never followed the link."""
    reauthenticate(alice_client)
    run(alice_client.post, reverse("account_email"), {"action_add": "", "email": VICTIM})
    pending = EmailAddress.objects.get(email=VICTIM)
    assert pending.user == alice and not pending.verified and not pending.primary
    (link,) = [m for m in mailoutbox if m.to == [VICTIM]]
    mailoutbox.clear()
    return link


def sign_up(client: Client, run, email: str = VICTIM):
    """The victim signs up in a browser of their own, some minutes later (the verification
    email of an address goes at most once every three minutes)."""
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        return run(
            client.post,
            reverse("account_signup"),
            {
                "email": email,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "organization_name": "Corp",
            },
        )


def test_the_victim_can_sign_up_with_an_address_held_by_a_pending_change(
    victim_browser, squatted, run, mailoutbox
):
    response = sign_up(victim_browser, run)

    assert response["Location"] == reverse("account_email_verification_sent")
    victim = User.objects.get(email=VICTIM)
    assert Organization.objects.filter(memberships__user=victim, name="Corp").exists()
    (verification,) = [m for m in mailoutbox if m.to == [VICTIM]]
    assert "/accounts/confirm-email/" in verification.body
    assert "already exists" not in verification.body


def test_the_victims_verification_drops_the_pending_change_and_tells_its_owner(
    victim_browser, alice, squatted, run, mailoutbox
):
    sign_up(victim_browser, run)
    (verification,) = [m for m in mailoutbox if m.to == [VICTIM]]

    run(victim_browser.post, confirmation_path(verification))

    victim = User.objects.get(email=VICTIM)
    assert EmailAddress.objects.get(user=victim, email=VICTIM).verified
    assert not EmailAddress.objects.filter(user=alice, email=VICTIM).exists()
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    (notice,) = [m for m in mailoutbox if m.to == [alice.email]]
    assert VICTIM in notice.body and "cancelled" in notice.subject.lower()


def test_the_pending_change_can_no_longer_be_verified_once_the_victim_has(
    victim_browser, alice, alice_client, squatted, run, mailoutbox
):
    sign_up(victim_browser, run)
    (verification,) = [m for m in mailoutbox if m.to == [VICTIM]]
    run(victim_browser.post, confirmation_path(verification))

    page = alice_client.get(confirmation_path(squatted))
    posted = run(alice_client.post, confirmation_path(squatted))

    assert b"This link is invalid or has expired" in page.content
    assert posted.status_code < 500
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert User.objects.get(email=VICTIM).emailaddress_set.get().verified


def test_when_the_change_is_verified_first_the_unverified_sign_up_goes(
    victim_browser, alice, alice_client, squatted, run
):
    """Following the link proves the mailbox: the account that only typed the address at
    sign-up (it could never log in) is removed, with its empty organization."""
    sign_up(victim_browser, run)

    response = run(alice_client.post, confirmation_path(squatted))

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == VICTIM
    assert User.objects.filter(email__iexact=VICTIM).get() == alice
    assert not Organization.objects.filter(name="Corp").exists()


def test_a_verified_address_still_gets_the_same_answer_and_no_second_account(
    victim_browser, make_user, run, mailoutbox
):
    make_user(VICTIM, organization="Victim Corp")

    sign_up(victim_browser, run)

    assert User.objects.filter(email__iexact=VICTIM).count() == 1
    (message,) = [m for m in mailoutbox if m.to == [VICTIM]]
    assert "already exists" in message.body
