"""Re-authentication.

Part of tests.accounts.audit_entries; the package's docstring says what its tests check.
"""

import re

import pytest
from django.urls import reverse

from tests.accounts.audit_entries.conftest import AGENT, Action, assert_user_target, reauthenticate
from tests.audit import last_id, only_entry
from tests.conftest import log_in, organization_of

pytestmark = pytest.mark.django_db


def test_re_authenticating_with_the_password_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = reauthenticate(browser)

    assert response.status_code == 302
    entry = only_entry(before, Action.REAUTHENTICATE)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.details == {"method": "password"}
    assert entry.user_agent == AGENT


def test_a_wrong_password_at_re_authentication_is_a_failed_re_authentication(browser, alice):
    log_in(browser)
    before = last_id()

    response = reauthenticate(browser, "not-the-password-at-all")

    assert response.status_code == 200
    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "password"}


def test_a_wrong_password_on_the_secret_form_is_a_failed_re_authentication(
    browser, alice, sandbox_app
):
    """Not a failed log-in: the person was logged in and typed the password again (issue 12,
    point 11)."""
    log_in(browser)
    url = reverse("apps:client_secret_create", args=[sandbox_app.client_id])
    form = browser.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    before = last_id()

    browser.post(url, {"password": "not-the-password-at-all", "form_token": token})

    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "password"}
    assert entry.get_action_display() == "Failed re-authentication"
