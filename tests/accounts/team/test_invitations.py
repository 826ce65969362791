"""Invitations.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AuditEvent, Invitation, Role
from tests.accounts.team.conftest import TEAM, invite, only_entry, page, token_in
from tests.audit import last_id, written_since
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_owner_invites_by_email_and_the_link_goes_out_under_the_console_base_url(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    mark = last_id()

    response = invite(alice_client, django_capture_on_commit_callbacks, role=Role.VIEWER)

    assert response.status_code == 302
    assert response["Location"] == f"{TEAM}#invitations"
    (message,) = mailoutbox
    assert message.to == ["erin@example.com"]
    assert (
        "alice@example.com invited you to join Alice Fintech on Console as viewer" in message.body
    )
    token = token_in(message)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "erin@example.com",
        Role.VIEWER,
        team["owner"],
    )
    assert invitation.token_hash == services.invitation_token_hash(token) != token
    assert token not in str(Invitation.objects.values().get())
    entry = only_entry(mark, AuditEvent.Action.INVITATION_CREATE, team["owner"], "erin@example.com")
    assert token not in str(entry.details)
    html = page(alice_client.get(TEAM))
    assert "Invitation sent to erin@example.com" in html
    assert re.search(
        r'<td data-label="Email">erin@example.com</td>\s*<td data-label="Role">Viewer</td>\s*'
        r'<td data-label="Invited by">alice@example.com</td>',
        html,
    )


def test_an_admin_invites_too(client, team, mailoutbox, django_capture_on_commit_callbacks):
    response = invite(client_for(client, team["admin"]), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Invitation.objects.get().invited_by == team["admin"]
    assert len(mailoutbox) == 1


def test_it_refuses_an_invalid_address_on_the_form(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(alice_client, django_capture_on_commit_callbacks, email="not-an-address")
    assert response.status_code == 400
    assert "Enter a valid email address." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def test_it_refuses_a_second_invitation_for_the_same_address(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    mark = last_id()

    response = invite(alice_client, django_capture_on_commit_callbacks, email="ERIN@example.com")

    assert response.status_code == 400
    assert "erin@example.com is already invited." in page(response)
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1
    assert written_since(mark) == []


def test_it_refuses_to_invite_a_member(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(alice_client, django_capture_on_commit_callbacks, email="viewer@example.com")

    assert response.status_code == 400
    assert "viewer@example.com is already a member of Alice Fintech." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def test_an_admin_cannot_invite_an_owner(
    client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(
        client_for(client, team["admin"]), django_capture_on_commit_callbacks, role=Role.OWNER
    )

    assert response.status_code == 400
    assert "Choose one of the roles listed." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def pending_invitations(organization, count: int) -> None:
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization=organization,
            email=f"pending{i}@example.com",
            role=Role.VIEWER,
            token_hash=f"{i:064d}",
            expires_at=now + timedelta(days=7),
        )
        for i in range(count)
    )


def test_the_fiftieth_pending_invitation_goes_out_and_the_fifty_first_is_refused(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    pending_invitations(team["organization"], services.MAX_PENDING_INVITATIONS - 1)

    assert invite(alice_client, django_capture_on_commit_callbacks).status_code == 302
    response = invite(alice_client, django_capture_on_commit_callbacks, email="frank@example.com")

    assert response.status_code == 400
    assert "Alice Fintech already has 50 pending invitations, the most it can have." in page(
        response
    )
    assert not Invitation.objects.filter(email="frank@example.com").exists()
    assert len(mailoutbox) == 1


def test_resend_mints_a_new_link_and_the_old_one_stops_working(
    alice_client, client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    old = token_in(mailoutbox[0])
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(minutes=2)
    )
    mark = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("accounts:invitation_resend", args=[invitation.pk]))

    assert response.status_code == 302
    new = token_in(mailoutbox[1])
    assert new != old
    only_entry(mark, AuditEvent.Action.INVITATION_RESEND, team["owner"], "erin@example.com")
    anonymous = client.__class__()
    assert anonymous.get(f"/invitations/{old}/").status_code == 404
    fresh = anonymous.get(f"/invitations/{new}/")
    assert fresh.status_code == 200 and "Join Alice Fintech" in page(fresh)


def test_it_refuses_to_resend_within_a_minute(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    mark = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("accounts:invitation_resend", args=[invitation.pk]))

    assert response.status_code == 400
    assert "sent less than a minute ago" in page(response)
    assert len(mailoutbox) == 1 and written_since(mark) == []
    assert Invitation.objects.get().token_hash == invitation.token_hash


def test_cancel_makes_the_link_refused_with_a_message(
    alice_client, client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    token = token_in(mailoutbox[0])
    invitation = Invitation.objects.get()
    mark = last_id()

    response = alice_client.post(reverse("accounts:invitation_cancel", args=[invitation.pk]))

    assert response.status_code == 302
    assert Invitation.objects.get().cancelled_at is not None
    only_entry(mark, AuditEvent.Action.INVITATION_CANCEL, team["owner"], "erin@example.com")
    html = page(alice_client.get(TEAM))
    assert "Invitation to erin@example.com cancelled." in html
    assert "No pending invitations." in html
    link = client.__class__().get(f"/invitations/{token}/")
    assert link.status_code == 410
    assert selectors.INVITATION_CANCELLED.replace("'", "&#x27;") in page(link)


def test_a_cancelled_invitation_cannot_be_cancelled_or_resent_again(
    alice_client, team, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    alice_client.post(reverse("accounts:invitation_cancel", args=[invitation.pk]))
    mark = last_id()

    for name in ("accounts:invitation_cancel", "accounts:invitation_resend"):
        response = alice_client.post(reverse(name, args=[invitation.pk]))
        assert response.status_code == 400
        assert "already accepted or cancelled" in page(response)
    assert written_since(mark) == []
