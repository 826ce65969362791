"""Security notices through the real worker, broker and SMTP server (issue 11, point 1).

An email change, a password change and a password reset each tell the account's (old)
address, with a link that secures the account; a stolen session adding an address stops at
the password and sends nothing anywhere.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

from .harness import SmtpServer, Worker
from .test_go_live_emails import assert_sent_once, drain, html_of, new_address, text_of, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-brand-new-passphrase-77"  # noqa: S105 - a test password
BASE = "http://console.test"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE


@pytest.fixture
def owner(make_user) -> User:
    return make_user(new_address("owner"), organization="Alice Fintech")


def logged_in(user: User) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("home")
    return client


def path_in(text: str, prefix: str) -> str:
    match = re.search(rf"{re.escape(BASE)}({re.escape(prefix)}\S+)", text)
    assert match, f"no {prefix} link"
    return match.group(1)


def test_a_stolen_session_adding_an_address_sends_nothing(
    smtp: SmtpServer, publishing: Worker, owner
):
    attacker_address = new_address("attacker")
    response = logged_in(owner).post(
        reverse("account_email"), {"action_add": "", "email": attacker_address}
    )

    assert response["Location"].startswith(reverse("account_reauthenticate"))
    drain(smtp, publishing)
    assert smtp.messages_to(attacker_address) == []
    assert smtp.messages_to(owner.email) == []


def test_an_email_change_tells_the_old_address_whose_link_takes_the_account_back(
    smtp: SmtpServer, publishing: Worker, owner
):
    old, new = owner.email, new_address("new")
    client = logged_in(owner)
    asked = client.post(reverse("account_email"), {"action_add": "", "email": new})
    assert client.post(asked["Location"], {"password": PASSWORD}).status_code == 302
    verification = wait_for(smtp, publishing, new, "Console: Verify your email address")
    client.post(path_in(text_of(verification), "/accounts/confirm-email/"))

    notice = wait_for(smtp, publishing, old, "Console: Your email address was changed")
    assert f"from {old} to {new}" in text_of(notice)
    assert "Secure your account" in html_of(notice)
    assert_sent_once(notice)

    secure = path_in(text_of(notice), "/accounts/secure/")
    assert Client().post(secure).status_code == 302
    owner.refresh_from_db()
    assert owner.email == old
    reset = wait_for(smtp, publishing, old, "Console: Reset your password")
    assert "/accounts/password/reset/key/" in text_of(reset)


def test_a_password_change_tells_the_account_address(smtp: SmtpServer, publishing: Worker, owner):
    logged_in(owner).post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    notice = wait_for(smtp, publishing, owner.email, "Console: Your password was changed")
    assert "/accounts/secure/" in text_of(notice)
    assert_sent_once(notice)


def test_a_password_reset_tells_the_account_address(smtp: SmtpServer, publishing: Worker, owner):
    client = Client()
    client.post(reverse("account_reset_password"), {"email": owner.email})
    reset = wait_for(smtp, publishing, owner.email, "Console: Reset your password")
    form = client.get(path_in(text_of(reset), "/accounts/password/reset/key/"), follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    notice = wait_for(smtp, publishing, owner.email, "Console: Your password was reset")
    assert "/accounts/secure/" in text_of(notice)
    assert_sent_once(notice)
