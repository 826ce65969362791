"""How much email an anonymous visitor can make Console send (issue 11, point 7).

Eight password-reset requests in a minute used to send five emails to a registered address
and five "unknown account" emails to an address with no account. Now an address gets a few
emails an hour at most, an unknown one none, and every answer reads the same.
"""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from console.startup import warn_if_rate_limits_are_per_process

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")
TRIES = 8


def to(mailoutbox, address: str) -> list:
    return [message for message in mailoutbox if address in message.to]


def answers(run, email: str) -> list[tuple[int, str]]:
    """Eight requests in a row, each from a new browser: status and landing page."""
    statuses = []
    for _ in range(TRIES):
        response = run(Client().post, RESET, {"email": email})
        statuses.append((response.status_code, response.get("Location", "")))
    return statuses


def test_eight_resets_in_a_minute_send_a_registered_address_three_emails(alice, run, mailoutbox):
    registered = answers(run, alice.email)

    assert registered[0] == (302, reverse("account_reset_password_done"))
    assert len(to(mailoutbox, alice.email)) == 3


def test_resets_for_an_address_without_an_account_send_nothing_and_answer_the_same(
    alice, run, mailoutbox
):
    registered = answers(run, alice.email)
    mailoutbox.clear()

    unknown = answers(run, "nobody@example.com")

    assert unknown == registered
    assert mailoutbox == []


def test_the_limit_is_per_address(alice, charlie, run, mailoutbox):
    for _ in range(TRIES):
        run(Client().post, RESET, {"email": alice.email})
    run(Client().post, RESET, {"email": charlie.email})

    assert len(to(mailoutbox, charlie.email)) == 1


def test_sign_ups_with_a_registered_address_send_it_a_few_emails_at_most(
    alice, run, mailoutbox, settings
):
    # Past the verification email's own limit (one every three minutes), only the hourly
    # limit is left to hold.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "confirm_email": "100/m/key"}
    data = {
        "email": alice.email,
        "password1": "correct-horse-battery-staple-42",
        "password2": "correct-horse-battery-staple-42",
        "organization_name": "Squatters",
    }
    for _ in range(TRIES):
        run(Client().post, reverse("account_signup"), data)

    assert len(to(mailoutbox, alice.email)) == 3


def test_without_a_shared_cache_production_says_rate_limits_are_per_process(caplog):
    with override_settings(
        DEBUG=False,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    ):
        with caplog.at_level(logging.WARNING, logger="console.startup"):
            warn_if_rate_limits_are_per_process()

    (record,) = caplog.records
    assert "REDIS_URL" in record.getMessage()
    assert "per process" in record.getMessage()


def test_with_redis_or_under_make_run_it_says_nothing(caplog):
    redis = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x/0"}}
    with caplog.at_level(logging.WARNING, logger="console.startup"):
        with override_settings(DEBUG=False, CACHES=redis):
            warn_if_rate_limits_are_per_process()
        with override_settings(DEBUG=True):
            warn_if_rate_limits_are_per_process()

    assert caplog.records == []
