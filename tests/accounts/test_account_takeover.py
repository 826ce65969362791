"""A stolen session can't take over an account (issue 11, point 1).

The attack: with only a victim's session cookie, add an address of one's own at
/accounts/email/, verify it, reset the password through it, and own the organization. Adding
or changing an address now needs the password again (allauth's re-authentication), and the
old address hears of an email change, a password change and a password reset, each email with
a link that secures the account.
"""

import re
from html import unescape

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from tests.conftest import PASSWORD, give_two_factor

pytestmark = pytest.mark.django_db

BASE = "https://console.example.com"
EMAIL = reverse("account_email")
LOGIN = reverse("account_login")
REAUTHENTICATE = reverse("account_reauthenticate")
RESET = reverse("account_reset_password")
CHANGE_PASSWORD = reverse("account_change_password")
ATTACKER = "mallory@evil.example"
NEW_PASSWORD = "a-brand-new-passphrase-77"  # noqa: S105 - a test password


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE


@pytest.fixture
def outbox(mailoutbox, django_capture_on_commit_callbacks):
    """Send every email queued by a request, as the worker would after commit."""

    class Outbox:
        messages = mailoutbox

        def run(self, call, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return call(*args, **kwargs)

        def to(self, address: str) -> list:
            return [message for message in mailoutbox if address in message.to]

    return Outbox()


def says(response, text: str) -> bool:
    return text in unescape(response.content.decode())


def stolen_session(user: User) -> Client:
    """The victim logged in through the page, an hour ago; the attacker has the cookie."""
    client = Client()
    with time_machine.travel(timezone.now() - timezone.timedelta(hours=1), tick=False):
        assert client.post(LOGIN, {"login": user.email, "password": PASSWORD})["Location"] == (
            reverse("home")
        )
    return client


def link(message, path_prefix: str) -> str:
    match = re.search(rf"{re.escape(BASE)}({re.escape(path_prefix)}\S*)", message.body)
    assert match, f"no {path_prefix} link in {message.subject!r}"
    return match.group(1)


# --- The takeover path stops at the re-authentication ----------------------------------------


def test_adding_an_address_with_only_a_session_asks_for_the_password_first(alice, outbox):
    attacker = stolen_session(alice)

    response = outbox.run(attacker.post, EMAIL, {"action_add": "", "email": ATTACKER})

    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()
    assert outbox.to(ATTACKER) == []


def test_the_whole_takeover_path_stops_at_the_password(alice, outbox):
    """Every next step of the attack fails: the reset never reaches the attacker, and the
    victim keeps the account and its organization."""
    attacker = stolen_session(alice)
    outbox.run(attacker.post, EMAIL, {"action_add": "", "email": ATTACKER})
    page = attacker.get(REAUTHENTICATE + f"?next={EMAIL}")
    assert page.status_code == 200 and says(page, "Confirm it's you")

    wrong = outbox.run(attacker.post, REAUTHENTICATE + f"?next={EMAIL}", {"password": "guess"})
    assert wrong.status_code == 200
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()

    outbox.run(Client().post, RESET, {"email": ATTACKER})
    assert outbox.to(ATTACKER) == []
    alice.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.check_password(PASSWORD)


def test_changing_the_address_after_the_password_goes_through_and_tells_the_old_address(
    alice, outbox
):
    client = stolen_session(alice)  # the owner, this time: she knows the password
    asked = outbox.run(client.post, EMAIL, {"action_add": "", "email": "alice@newbank.example"})
    confirmed = outbox.run(client.post, asked["Location"], {"password": PASSWORD})
    assert confirmed.status_code == 302
    (verification,) = outbox.to("alice@newbank.example")
    outbox.run(client.post, link(verification, "/accounts/confirm-email/"))

    alice.refresh_from_db()
    assert alice.email == "alice@newbank.example"
    (notice,) = outbox.to("alice@example.com")
    assert "email address was changed" in notice.subject.lower()
    assert "alice@newbank.example" in notice.body
    assert link(notice, "/accounts/secure/")
    html = notice.alternatives[0][0]
    assert "/accounts/secure/" in html


def test_a_password_change_tells_the_account_address_with_a_link_to_secure_it(alice, outbox):
    client = stolen_session(alice)
    outbox.run(
        client.post,
        CHANGE_PASSWORD,
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    (notice,) = outbox.to("alice@example.com")
    assert "password was changed" in notice.subject.lower()
    assert link(notice, "/accounts/secure/")


def test_a_password_reset_tells_the_account_address_with_a_link_to_secure_it(alice, outbox):
    client = Client()
    outbox.run(client.post, RESET, {"email": "alice@example.com"})
    (reset,) = outbox.to("alice@example.com")
    form = client.get(link(reset, "/accounts/password/reset/key/"), follow=True)
    action = form.redirect_chain[-1][0]
    outbox.run(client.post, action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    notice = outbox.to("alice@example.com")[-1]
    assert "password was reset" in notice.subject.lower()
    assert link(notice, "/accounts/secure/")


# --- The link that secures the account -------------------------------------------------------


@pytest.fixture
def taken_over(alice, outbox):
    """The attack succeeded once (say the password was phished): the email is changed to the
    attacker's, who also added an authenticator app. Returns the old address's notice."""
    client = stolen_session(alice)
    asked = outbox.run(client.post, EMAIL, {"action_add": "", "email": ATTACKER})
    outbox.run(client.post, asked["Location"], {"password": PASSWORD})
    (verification,) = outbox.to(ATTACKER)
    outbox.run(client.post, link(verification, "/accounts/confirm-email/"))
    give_two_factor(alice)
    (notice,) = outbox.to("alice@example.com")
    return {"notice": notice, "attacker": client}


def test_the_secure_link_asks_before_it_acts(client, alice, taken_over):
    url = link(taken_over["notice"], "/accounts/secure/")

    page = client.get(url)

    assert page.status_code == 200
    assert says(page, "Secure your account")
    alice.refresh_from_db()
    assert alice.email == ATTACKER, "a GET (a link preview) changes nothing"


def test_the_secure_link_gives_the_account_back_to_the_old_address(
    client, alice, taken_over, outbox
):
    url = link(taken_over["notice"], "/accounts/secure/")

    response = outbox.run(client.post, url)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert list(EmailAddress.objects.filter(user=alice).values_list("email", "verified")) == [
        ("alice@example.com", True)
    ]
    assert not alice.has_usable_password()
    assert not Authenticator.objects.filter(user=alice).exists(), "added after the notice"
    assert taken_over["attacker"].get(reverse("home"))["Location"].startswith(LOGIN)
    reset = outbox.to("alice@example.com")[-1]
    assert link(reset, "/accounts/password/reset/key/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_SECURE).count() == 1


def test_the_secure_link_works_once(client, alice, taken_over, outbox):
    url = link(taken_over["notice"], "/accounts/secure/")
    outbox.run(client.post, url)

    again = outbox.run(client.post, url)

    assert again.status_code == 400
    assert says(again, "This link was already used")


def test_a_tampered_or_expired_secure_link_changes_nothing(client, alice, taken_over):
    url = link(taken_over["notice"], "/accounts/secure/")
    tampered = url.rstrip("/")[:-3] + "abc/"

    assert client.post(tampered).status_code == 400
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        assert client.post(url).status_code == 400
    alice.refresh_from_db()
    assert alice.email == ATTACKER
