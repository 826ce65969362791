"""The team.

Part of tests.accounts.audit_entries; the package's docstring says what its tests check.
"""

import re

import pytest

from accounts import services
from accounts.models import Invitation, Membership, Role
from tests.accounts.audit_entries.conftest import NEW_PASSWORD, Action, assert_user_target
from tests.audit import last_id, only_entry, written_since

pytestmark = pytest.mark.django_db


def invite(org, alice, email: str, capture, mailoutbox, role: str = Role.DEVELOPER) -> str:
    """Invite `email`; returns the token of the emailed link."""
    with capture(execute=True):
        services.invitation_create(organization=org, email=email, role=role, invited_by=alice)
    return re.search(r"/invitations/([^/\s]+)/", mailoutbox[-1].body)[1]


def test_an_invitation_writes_one_entry(org, alice, mailoutbox, django_capture_on_commit_callbacks):
    before = last_id()
    invite(org, alice, "Bob@Example.com", django_capture_on_commit_callbacks, mailoutbox)
    entry = only_entry(before, Action.INVITATION_CREATE)
    assert_user_target(entry, actor=alice, target="bob@example.com", organization=org)
    assert entry.details == {"role": "developer"}


def test_resending_an_invitation_writes_one_entry(
    org, alice, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    admin = add_member(org, Role.ADMIN)
    invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=invitation.sent_at.replace(year=2020)
    )
    before = last_id()

    services.invitation_resend(invitation=invitation, resent_by=admin)

    entry = only_entry(before, Action.INVITATION_RESEND)
    assert_user_target(entry, actor=admin, target="bob@example.com", organization=org)


def test_cancelling_an_invitation_writes_one_entry(
    org, alice, mailoutbox, django_capture_on_commit_callbacks
):
    invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    services.invitation_cancel(invitation=Invitation.objects.get(), cancelled_by=alice)

    entry = only_entry(before, Action.INVITATION_CANCEL)
    assert_user_target(entry, actor=alice, target="bob@example.com", organization=org)


def test_accepting_an_invitation_writes_one_entry_by_the_new_member(
    org, alice, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    bob = make_user("bob@example.com", organization=None)
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    services.invitation_accept(token=token, user=bob)

    entry = only_entry(before, Action.INVITATION_ACCEPT)
    assert_user_target(entry, actor=bob, target="bob@example.com", organization=org)
    assert entry.details == {"role": "developer"}


def test_signing_up_from_an_invitation_writes_one_entry_by_the_new_member(
    org, alice, mailoutbox, django_capture_on_commit_callbacks
):
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    membership = services.invitation_signup(token=token, password=NEW_PASSWORD)

    entry = only_entry(before, Action.INVITATION_ACCEPT)
    assert_user_target(entry, actor=membership.user, target="bob@example.com", organization=org)


def test_a_refused_invitation_writes_nothing(
    org, alice, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    mallory = make_user("mallory@example.com", organization=None)
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()
    with pytest.raises(Exception, match="This invitation is for bob@example.com"):
        services.invitation_accept(token=token, user=mallory)
    assert written_since(before) == []


def test_a_role_change_writes_one_entry(org, alice, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()

    services.membership_role_change(
        membership=Membership.objects.get(user=dev), role=Role.ADMIN, changed_by=alice
    )

    entry = only_entry(before, Action.MEMBER_ROLE_CHANGE)
    assert_user_target(entry, actor=alice, target=dev.email, organization=org)
    assert entry.details == {"old_role": "developer", "new_role": "admin"}


def test_a_role_change_to_the_same_role_writes_nothing(org, alice, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()
    services.membership_role_change(
        membership=Membership.objects.get(user=dev), role=Role.DEVELOPER, changed_by=alice
    )
    assert written_since(before) == []


def test_removing_a_member_writes_one_entry(org, alice, add_member):
    viewer = add_member(org, Role.VIEWER)
    before = last_id()

    services.membership_remove(membership=Membership.objects.get(user=viewer), removed_by=alice)

    entry = only_entry(before, Action.MEMBER_REMOVE)
    assert_user_target(entry, actor=alice, target=viewer.email, organization=org)


def test_leaving_writes_one_entry_by_the_member(org, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()

    services.membership_leave(membership=Membership.objects.get(user=dev))

    entry = only_entry(before, Action.MEMBER_LEAVE)
    assert_user_target(entry, actor=dev, target=dev.email, organization=org)


def test_transferring_ownership_writes_one_entry(org, alice, add_member):
    admin = add_member(org, Role.ADMIN)
    before = last_id()

    services.ownership_transfer(organization=org, to=Membership.objects.get(user=admin), by=alice)

    entry = only_entry(before, Action.OWNERSHIP_TRANSFER)
    assert_user_target(entry, actor=alice, target=admin.email, organization=org)


def test_requiring_two_factor_log_in_writes_one_entry(org, alice):
    before = last_id()

    services.organization_require_two_factor(
        organization=org, required=True, changed_by=alice, has_two_factor=True
    )

    entry = only_entry(before, Action.MFA_REQUIRE)
    assert (entry.actor, entry.target_type, entry.target_id) == (alice, "organization", str(org.pk))
    assert entry.details == {"required": True}
