"""Log-in, failed log-in, log-out.

Part of tests.accounts.audit_entries; the package's docstring says what its tests check.
"""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from tests.accounts.audit_entries.conftest import AGENT, Action, assert_user_target
from tests.audit import last_id, only_entry, written_since
from tests.conftest import PASSWORD, log_in, organization_of

pytestmark = pytest.mark.django_db


def test_logging_in_on_the_log_in_page_writes_one_entry(browser, alice):
    before = last_id()

    response = log_in(browser)

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGIN)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", AGENT)
    assert entry.details == {"methods": ["password"]}


def test_a_member_of_two_organizations_gets_the_entry_in_each(browser, alice, charlie):
    Membership.objects.create(user=alice, organization=organization_of(charlie), role=Role.VIEWER)
    before = last_id()

    log_in(browser)

    entries = written_since(before)
    assert [entry.action for entry in entries] == [Action.LOGIN, Action.LOGIN]
    assert {entry.organization.name for entry in entries} == {"Alice Fintech", "Charlie Bank"}
    assert {entry.actor for entry in entries} == {alice}


def test_a_user_outside_any_organization_leaves_no_entry(browser, make_user):
    make_user("loner@example.com", organization=None)
    before = last_id()
    assert log_in(browser, "loner@example.com").status_code == 302
    assert written_since(before) == []


@pytest.mark.parametrize("typed", ["alice@example.com", "ALICE@Example.COM"])
def test_a_wrong_password_writes_one_failed_log_in_on_the_account(browser, alice, typed):
    before = last_id()

    response = log_in(browser, typed, "not-the-password-at-all")

    assert response.status_code == 200
    entry = only_entry(before, Action.LOGIN_FAILED)
    # The actor is the account whose address was typed; where from is in the IP and agent.
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", AGENT)
    assert entry.details == {"method": "password"}


def test_an_unknown_address_writes_nothing(browser, alice):
    before = last_id()
    log_in(browser, "nobody@example.com", "whatever-123456")
    assert written_since(before) == []


def test_a_password_typed_into_the_email_field_is_not_recorded(browser, alice):
    before = last_id()
    log_in(browser, PASSWORD, PASSWORD)
    assert written_since(before) == []


def test_a_throttled_attempt_is_refused_before_the_password_is_checked(browser, alice):
    for _ in range(5):
        log_in(browser, password="not-the-password-at-all")
    before = last_id()

    log_in(browser)  # refused by the rate limit, right password or not

    assert written_since(before) == []


def test_logging_out_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = browser.post(reverse("account_logout"))

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGOUT)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.user_agent == AGENT


def test_logging_out_when_not_logged_in_writes_nothing(browser, alice):
    before = last_id()
    browser.post(reverse("account_logout"))
    assert written_since(before) == []
