"""Setting up an authenticator app.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    ACTIVATE,
    LOGOUT,
    MFA_INDEX,
    RECOVERY_CODES,
    Hidden,
    code_for,
    confirm_password,
    enter_code,
    logged_in,
    open_page,
    says,
    set_up_totp,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def shows_any(response, codes) -> bool:
    page = response.content.decode()
    return any(code in page for code in codes)


def stored_in_clear(secret: str, authenticator: Authenticator) -> bool:
    return secret in str(authenticator.data)


def test_setting_up_an_authenticator_app_shows_a_qr_code_the_secret_and_then_ten_recovery_codes(
    client, alice, clock
):
    secret, recovery_codes = set_up_totp(client, alice, clock)

    authenticator = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    assert len(recovery_codes) == 10
    assert all(re.fullmatch(r"\d{8}", code) for code in recovery_codes)
    assert client.get(MFA_INDEX).status_code == 200
    assert totp_auth.SECRET_SESSION_KEY not in client.session, "forgotten once confirmed"
    assert not stored_in_clear(secret, authenticator), "stored encrypted (accounts.adapters)"


def test_setting_up_an_authenticator_app_tells_the_account_address(
    client, alice, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_up_totp(client, alice, clock)

    (notice,) = [
        message
        for message in mailoutbox
        if message.subject == "Console: An authenticator app was added to your account"
    ]
    assert notice.to == [alice.email]
    assert "/accounts/secure/" in notice.body


def test_the_code_typed_at_the_setup_does_not_log_in_again(client, alice, clock):
    """The code that confirmed the app is spent: someone who saw it typed can't use it to log
    in while it is still current (issue 11, point 8)."""
    secret = None
    assert log_in(client, alice.email)["Location"] == reverse("home")
    page = open_page(client, ACTIVATE)
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    code = code_for(secret, clock)
    assert client.post(ACTIVATE, {"code": code}).status_code == 302
    client.post(LOGOUT)

    log_in(client, alice.email)
    replayed = enter_code(client, code)

    assert page.status_code == 200
    assert says(replayed, "Incorrect code.")
    assert not logged_in(client)


def test_the_qr_code_names_console_and_the_account(client, alice, clock):
    log_in(client, alice.email)
    page = confirm_password(client, client.get(ACTIVATE))

    assert page.context["totp_url"].startswith("otpauth://totp/alice%40example.com?")
    assert "issuer=Console" in page.context["totp_url"]


def test_recovery_codes_are_shown_only_once(client, alice, clock):
    _, recovery_codes = set_up_totp(client, alice, clock)

    again = client.get(RECOVERY_CODES)

    assert again.status_code == 200
    assert not shows_any(again, recovery_codes)
    assert says(again, "shown only once")


def test_a_wrong_code_does_not_activate_the_app(client, alice, clock):
    log_in(client, alice.email)
    confirm_password(client, client.get(ACTIVATE))
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    wrong = Hidden(f"{(int(code_for(secret, clock)) + 1) % 1_000_000:06d}")

    response = client.post(ACTIVATE, {"code": wrong})

    assert response.status_code == 200
    assert says(response, "Incorrect code.")
    assert not Authenticator.objects.filter(user=alice).exists()
