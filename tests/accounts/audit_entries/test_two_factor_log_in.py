"""Two-factor log-in.

Part of tests.accounts.audit_entries; the package's docstring says what its tests check.
"""

import pytest
from django.urls import reverse

from tests.accounts.audit_entries.conftest import (
    Action,
    activate_totp,
    assert_user_target,
    reauthenticate,
    thirty_seconds_later,
    totp_code,
)
from tests.audit import last_id, only_entry, written_since
from tests.conftest import log_in, organization_of

pytestmark = pytest.mark.django_db


def test_setting_up_an_authenticator_app_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    reauthenticate(browser)
    before = last_id()

    activate_totp(browser, django_capture_on_commit_callbacks)

    # activate_totp re-authenticates again: that entry comes first.
    entries = written_since(before)
    assert [entry.action for entry in entries] == [Action.REAUTHENTICATE, Action.MFA_ACTIVATE]
    entry = entries[1]
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    # The recovery codes made with it are part of the same change, not a second entry.
    assert entry.details == {"type": "totp"}


def test_removing_the_authenticator_app_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    activate_totp(browser, django_capture_on_commit_callbacks)
    reauthenticate(browser)
    before = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    entry = only_entry(before, Action.MFA_DEACTIVATE)
    assert entry.actor == alice
    assert entry.details == {"type": "totp"}


def test_new_recovery_codes_write_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    activate_totp(browser, django_capture_on_commit_callbacks)
    reauthenticate(browser)
    before = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("mfa_generate_recovery_codes"))

    assert response.status_code == 302
    entry = only_entry(before, Action.MFA_ACTIVATE)
    assert entry.details == {"type": "recovery_codes", "regenerated": True}


def test_logging_in_with_a_code_writes_one_entry_once_both_steps_are_done(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    browser.post(reverse("account_logout"))
    before = last_id()

    assert log_in(browser)["Location"] == reverse("mfa_authenticate")
    assert written_since(before) == []  # the password alone is not a log-in
    thirty_seconds_later(monkeypatch)
    response = browser.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGIN)
    assert entry.actor == alice
    assert entry.details == {"methods": ["password", "mfa"]}


def test_a_wrong_code_writes_one_failed_log_in(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    browser.post(reverse("account_logout"))
    log_in(browser)
    before = last_id()
    thirty_seconds_later(monkeypatch)
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"

    response = browser.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    entry = only_entry(before, Action.LOGIN_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}


def test_re_authenticating_with_a_code_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    thirty_seconds_later(monkeypatch)
    before = last_id()

    response = browser.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    entry = only_entry(before, Action.REAUTHENTICATE)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}


def test_a_wrong_code_at_re_authentication_is_a_failed_re_authentication(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    thirty_seconds_later(monkeypatch)
    before = last_id()
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"

    response = browser.post(reverse("mfa_reauthenticate"), {"code": wrong})

    assert response.status_code == 200
    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}
