"""Account settings: the Settings page, changing the email (the new address counts only once
verified), changing the password (other sessions are logged out), seeing and ending sessions,
and deleting the account (password again; never the last owner of a team)."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, Role, User
from tests.conftest import PASSWORD, log_in, organization_of, reauthenticate

pytestmark = pytest.mark.django_db

BASE = "http://testserver-base"
SETTINGS = reverse("accounts:settings_index")
DELETE = reverse("accounts:account_delete")
EMAIL = reverse("account_email")
CHANGE_PASSWORD = reverse("account_change_password")
SESSIONS = reverse("usersessions_list")
LOGIN = reverse("account_login")
NEW_PASSWORD = "a-brand-new-passphrase-77"  # noqa: S105 - a test password


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE


def says(response, text: str) -> bool:
    return text in unescape(response.content.decode())


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def browser(email: str, agent: str, password: str = PASSWORD) -> Client:
    """Another browser, logged in through the log-in page."""
    client = Client(HTTP_USER_AGENT=agent)
    assert log_in(client, email, password)["Location"] == reverse("home")
    return client


def link_in(message) -> str:
    return re.search(rf"{BASE}(/accounts/confirm-email/\S+/)", message.body).group(1)


# --- The page ---------------------------------------------------------------------------------


def test_the_settings_page_sums_up_the_account_and_links_to_each_part(alice_client, alice):
    page = alice_client.get(SETTINGS)

    assert page.status_code == 200
    for heading in ("Email", "Password", "Two-factor log-in", "Active sessions", "Delete account"):
        assert says(page, f">{heading}</h2>"), heading
    for url in (EMAIL, CHANGE_PASSWORD, reverse("mfa_index"), SESSIONS, DELETE):
        assert says(page, f'href="{url}"') or says(page, f'action="{url}"'), url
    assert says(page, "alice@example.com")
    assert says(page, "Set up two-factor log-in")
    assert page.context["nav_section"] == "settings"


def test_the_page_tells_the_last_owner_of_a_team_why_the_account_cant_be_deleted(
    alice_client, alice, add_member
):
    add_member(organization_of(alice), Role.DEVELOPER)

    page = alice_client.get(SETTINGS)

    assert says(page, "You are the last owner of Alice Fintech.")
    assert not says(page, f'action="{DELETE}"')


# --- Changing the email -----------------------------------------------------------------------


@pytest.fixture
def change_requested(alice_client, alice, mailoutbox, django_capture_on_commit_callbacks):
    """Alice asked to change her address (her password confirmed); the link went to the new
    one."""
    reauthenticate(alice_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(EMAIL, {"action_add": "", "email": "alice@newbank.example"})
    assert response.status_code == 302
    return mailoutbox[-1]


def test_a_new_address_gets_a_verification_link_and_does_not_count_yet(
    alice_client, alice, change_requested
):
    assert change_requested.to == ["alice@newbank.example"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"
    new = EmailAddress.objects.get(email="alice@newbank.example")
    assert not new.verified and not new.primary
    page = alice_client.get(EMAIL)
    assert says(page, "Waiting for verification")
    assert says(alice_client.get(SETTINGS), "alice@newbank.example")


def test_until_it_is_verified_the_old_address_logs_in_and_the_new_one_does_not(
    alice, change_requested
):
    assert log_in(Client(), "alice@example.com")["Location"] == reverse("home")
    other = Client()
    response = log_in(other, "alice@newbank.example")
    assert not logged_in(other), response.status_code


def test_following_the_link_changes_the_address(alice_client, alice, change_requested):
    path = link_in(change_requested)
    assert alice_client.get(path).status_code == 200
    assert not EmailAddress.objects.get(email="alice@newbank.example").verified, "GET verifies"

    alice_client.post(path)

    alice.refresh_from_db()
    assert alice.email == "alice@newbank.example"
    assert list(EmailAddress.objects.filter(user=alice).values_list("email", "verified")) == [
        ("alice@newbank.example", True)
    ]
    assert log_in(Client(), "alice@newbank.example")["Location"] == reverse("home")
    stale = Client()
    log_in(stale, "alice@example.com")
    assert not logged_in(stale)


def test_a_pending_change_can_be_cancelled(alice_client, alice, change_requested):
    alice_client.post(EMAIL, {"action_remove": "", "email": "alice@newbank.example"})

    assert not EmailAddress.objects.filter(email="alice@newbank.example").exists()
    assert log_in(Client(), "alice@example.com")["Location"] == reverse("home")


def test_an_address_of_another_account_never_becomes_this_ones(
    alice_client, alice, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    """The form doesn't say the address is taken (that would tell who has an account); the
    verification can't succeed."""
    reauthenticate(alice_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(EMAIL, {"action_add": "", "email": charlie.email})

    assert response.status_code in (200, 302)
    for message in mailoutbox:
        if message.to == [charlie.email] and "/accounts/confirm-email/" in message.body:
            alice_client.post(link_in(message))
    alice.refresh_from_db()
    charlie.refresh_from_db()
    assert alice.email == "alice@example.com"
    assert charlie.email == "charlie@example.org"
    assert not EmailAddress.objects.filter(user=alice, email=charlie.email, verified=True).exists()


# --- Changing the password --------------------------------------------------------------------


def test_changing_the_password_logs_out_every_other_session_but_this_one(alice):
    here = browser(alice.email, "Firefox here")
    there = browser(alice.email, "Chrome there")
    assert there.get(reverse("home")).status_code == 200

    response = here.post(
        CHANGE_PASSWORD,
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    assert here.get(reverse("home")).status_code == 200
    assert there.get(reverse("home"))["Location"].startswith(LOGIN)
    assert not logged_in(there)
    assert here.get(SESSIONS).context["session_count"] == 1
    assert log_in(Client(), alice.email, NEW_PASSWORD)["Location"] == reverse("home")


def test_a_wrong_current_password_changes_nothing(alice):
    here = browser(alice.email, "Firefox here")

    response = here.post(
        CHANGE_PASSWORD,
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- Sessions ---------------------------------------------------------------------------------


def test_the_sessions_page_lists_every_session_and_marks_this_one(alice):
    here = browser(alice.email, "Firefox here")
    browser(alice.email, "Chrome there")

    page = here.get(SESSIONS)

    assert page.status_code == 200
    assert page.context["session_count"] == 2
    assert says(page, "Firefox here") and says(page, "Chrome there")
    assert says(page, ">Current</span>")
    assert says(page, "127.0.0.1")
    # Last activity isn't tracked (an UPDATE on every request): the column isn't shown.
    assert not says(page, ">Last seen</th>")


def test_ending_the_other_sessions_logs_them_out(alice):
    here = browser(alice.email, "Firefox here")
    there = browser(alice.email, "Chrome there")

    response = here.post(SESSIONS)

    assert response.status_code == 302
    assert not logged_in(there)
    assert there.get(reverse("home"))["Location"].startswith(LOGIN)
    assert here.get(reverse("home")).status_code == 200
    assert UserSession.objects.filter(user=alice).count() == 1


def test_another_users_sessions_are_neither_listed_nor_ended(alice, charlie):
    here = browser(alice.email, "Firefox here")
    elsewhere = browser(charlie.email, "Charlie's browser")

    page = here.get(SESSIONS)
    here.post(SESSIONS)

    assert not says(page, "Charlie")
    assert elsewhere.get(reverse("home")).status_code == 200


# --- Deleting the account ---------------------------------------------------------------------


def test_deleting_the_account_asks_for_the_password(alice_client, alice):
    response = alice_client.post(DELETE, {"password": "not-my-password"})

    assert response.status_code == 400
    assert says(response, "That isn't your Console account password.")
    assert User.objects.filter(pk=alice.pk).exists()


def test_an_empty_password_is_refused(alice_client, alice):
    response = alice_client.post(DELETE, {})

    assert response.status_code == 400
    assert says(response, "Enter your Console account password.")
    assert User.objects.filter(pk=alice.pk).exists()


def test_guessing_the_password_is_throttled(alice_client, alice):
    for _ in range(10):
        alice_client.post(DELETE, {"password": "not-my-password"})

    response = alice_client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 400
    assert says(response, "Too many wrong passwords.")
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_last_owner_of_a_team_is_refused(alice_client, alice, add_member):
    organization = organization_of(alice)
    add_member(organization, Role.ADMIN)

    response = alice_client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 400
    assert says(response, "You are the last owner of Alice Fintech.")
    assert User.objects.filter(pk=alice.pk).exists()
    assert logged_in(alice_client)


def test_an_owner_with_another_owner_may_leave_the_team_by_deleting_the_account(
    alice_client, alice, add_member
):
    organization = organization_of(alice)
    other_owner = add_member(organization, Role.OWNER)

    response = alice_client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert Organization.objects.filter(pk=organization.pk).exists()
    assert Membership.objects.get(organization=organization).user == other_owner


def test_deleting_the_account_logs_out_everywhere_and_says_so(alice):
    here = browser(alice.email, "Firefox here")
    there = browser(alice.email, "Chrome there")
    organization = organization_of(alice)

    response = here.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Organization.objects.filter(pk=organization.pk).exists(), "she was alone in it"
    assert not logged_in(here)
    assert says(here.get(LOGIN), "Your account alice@example.com was deleted.")
    assert there.get(reverse("home"))["Location"].startswith(LOGIN)
    assert not UserSession.objects.exists()
    log_in(here, alice.email)
    assert not logged_in(here)


def test_opening_the_delete_url_lands_on_the_settings_page(alice_client, alice):
    response = alice_client.get(DELETE)

    assert response["Location"] == SETTINGS
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_reauthentication_page_says_why_in_the_consoles_words(alice_client):
    page = alice_client.get(reverse("account_reauthenticate"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Confirm it&#x27;s you" in html or "<title>Confirm it's you" in html
    assert "Confirm Access" not in html
    assert 'name="password"' in html
