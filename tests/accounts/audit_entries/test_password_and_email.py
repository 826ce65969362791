"""Password and email.

Part of tests.accounts.audit_entries; the package's docstring says what its tests check.
"""

import re

import pytest
from allauth.account import signals as account_signals
from django.contrib.sessions.backends.cache import SessionStore
from django.urls import reverse

from tests.accounts.audit_entries.conftest import (
    NEW_PASSWORD,
    Action,
    assert_user_target,
    reauthenticate,
)
from tests.audit import last_id, only_entry, written_since
from tests.conftest import PASSWORD, log_in, organization_of

pytestmark = pytest.mark.django_db


def test_changing_the_password_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.details == {"method": "change"}


def test_setting_a_first_password_writes_one_entry(alice, rf):
    """allauth's "set a password" page needs a re-authentication, which an account without a
    password can't give (it resets its password instead); its signal is still recorded."""
    before = last_id()

    request = rf.post(reverse("account_set_password"))
    request.user, request.session = alice, SessionStore()
    account_signals.password_set.send(sender=type(alice), request=request, user=alice)

    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert entry.actor == alice
    assert entry.details == {"method": "set"}


def test_resetting_a_forgotten_password_writes_one_entry(
    browser, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[-1].body)[1]
    form_page = browser.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    before = last_id()

    response = browser.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert entry.actor == alice
    assert entry.details == {"method": "reset"}


def confirm_link(mailoutbox) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[-1].body)[1]


def test_changing_the_email_address_writes_one_entry_once_the_new_one_is_verified(
    browser, alice, mailoutbox, django_capture_on_commit_callbacks
):
    log_in(browser)
    reauthenticate(browser)
    before = last_id()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("account_email"), {"action_add": "", "email": "alice@new.example"})
    assert written_since(before) == []  # not verified yet: nothing has changed

    response = browser.post(confirm_link(mailoutbox))

    assert response.status_code == 302
    entry = only_entry(before, Action.EMAIL_CHANGE)
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert_user_target(
        entry, actor=alice, target="alice@new.example", organization=organization_of(alice)
    )
    assert entry.details == {"old_email": "alice@example.com", "new_email": "alice@new.example"}


def test_verifying_the_first_address_of_a_sign_up_is_no_email_change(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("new@example.com", verified=False, organization="New Co")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_verification"), {"email": "new@example.com"})
    before = last_id()

    response = client.post(confirm_link(mailoutbox))

    assert response.status_code == 302
    assert Action.EMAIL_CHANGE not in [entry.action for entry in written_since(before)]
