"""Logging in.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    AUTHENTICATE,
    LOGIN,
    LOGOUT,
    MFA_INDEX,
    PERIOD,
    Hidden,
    code_for,
    confirm_password,
    enter_code,
    logged_in,
    says,
    set_up_totp,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_with_totp(client, alice, clock):
    """Alice with an authenticator app set up through the pages, then logged out."""
    secret, recovery_codes = set_up_totp(client, alice, clock)
    client.post(LOGOUT)
    cache.clear()  # forget the codes marked as used during the setup
    return SimpleNamespace(user=alice, secret=secret, recovery_codes=recovery_codes)


def test_the_password_alone_no_longer_logs_in(client, alice_with_totp):
    response = log_in(client, alice_with_totp.user.email)

    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE
    assert not logged_in(client)
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)


def test_it_logs_in_with_the_code_of_the_authenticator_app(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    page = client.get(AUTHENTICATE)
    assert page.status_code == 200
    assert says(page, "Two-factor log-in")

    response = enter_code(client, code_for(alice_with_totp.secret, clock))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_code(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    right = code_for(alice_with_totp.secret, clock)
    wrong = Hidden(f"{(int(right) + 1) % 1_000_000:06d}")

    response = enter_code(client, wrong)

    assert response.status_code == 200
    assert says(response, "Incorrect code.")
    assert not logged_in(client)


def test_it_refuses_the_code_of_an_earlier_period(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)

    response = enter_code(client, code_for(alice_with_totp.secret, clock, periods_ago=1))

    assert says(response, "Incorrect code.")
    assert not logged_in(client)


def test_it_refuses_a_replayed_code(client, alice_with_totp, clock):
    """Someone who saw a code typed (over a shoulder, in a phishing proxy) can't use it again
    while it is still current: allauth marks a used code for its whole period."""
    code = code_for(alice_with_totp.secret, clock)
    log_in(client, alice_with_totp.user.email)
    assert enter_code(client, code).status_code == 302
    client.post(LOGOUT)

    log_in(client, alice_with_totp.user.email)
    replayed = enter_code(client, code)

    assert replayed.status_code == 200
    assert says(replayed, "Incorrect code.")
    assert not logged_in(client)

    clock.value += PERIOD  # the next code works
    assert enter_code(client, code_for(alice_with_totp.secret, clock)).status_code == 302
    assert logged_in(client)


def test_it_logs_in_with_a_recovery_code_once(client, alice_with_totp):
    first, second = alice_with_totp.recovery_codes[:2]
    log_in(client, alice_with_totp.user.email)
    assert enter_code(client, first)["Location"] == reverse("home")
    assert logged_in(client)
    client.post(LOGOUT)

    log_in(client, alice_with_totp.user.email)
    reused = enter_code(client, first)

    assert says(reused, "Incorrect code.")
    assert not logged_in(client)
    assert enter_code(client, second)["Location"] == reverse("home")
    authenticator = Authenticator.objects.get(
        user=alice_with_totp.user, type=Authenticator.Type.RECOVERY_CODES
    )
    assert len(authenticator.wrap().get_unused_codes()) == 8


def test_the_second_step_needs_the_password_step_first(client, alice_with_totp, clock):
    response = enter_code(client, code_for(alice_with_totp.secret, clock))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not logged_in(client)


def test_deactivating_the_app_asks_for_no_code_at_log_in_again(client, alice_with_totp, clock):
    log_in(client, alice_with_totp.user.email)
    enter_code(client, code_for(alice_with_totp.secret, clock))

    page = confirm_password(client, client.post(reverse("mfa_deactivate_totp")))

    assert page.redirect_chain[-1][0] == MFA_INDEX
    assert says(page, "Authenticator app deactivated.")
    assert not Authenticator.objects.filter(user=alice_with_totp.user).exists()
    client.post(LOGOUT)
    assert log_in(client, alice_with_totp.user.email)["Location"] == reverse("home")
