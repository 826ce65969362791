"""Removing and leaving.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Role
from tests.accounts.team.conftest import TEAM, membership, only_entry, page
from tests.audit import last_id, written_since
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


def remove(client, user, organization):
    return client.post(reverse("accounts:member_remove", args=[membership(user, organization).pk]))


def test_an_owner_removes_a_member(alice_client, team):
    mark = last_id()

    response = remove(alice_client, team["developer"], team["organization"])

    assert response.status_code == 302
    assert not Membership.objects.filter(user=team["developer"]).exists()
    only_entry(mark, AuditEvent.Action.MEMBER_REMOVE, team["owner"], "developer@example.com")
    assert "developer@example.com was removed from Alice Fintech." in page(alice_client.get(TEAM))


def test_an_admin_cannot_remove_an_owner(client, team):
    client.force_login(team["admin"])
    response = remove(client, team["owner"], team["organization"])
    assert response.status_code == 400
    assert "Only an owner can remove an owner." in page(response)
    assert Membership.objects.filter(user=team["owner"]).exists()


def test_nobody_removes_themselves_they_leave(alice_client, team):
    response = remove(alice_client, team["owner"], team["organization"])
    assert response.status_code == 400
    assert "use Leave organization" in page(response)
    assert Membership.objects.filter(user=team["owner"]).exists()


def test_a_member_leaves_and_lands_home(client, team):
    client.force_login(team["developer"])
    mark = last_id()

    response = client.post(reverse("accounts:membership_leave"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(user=team["developer"]).exists()
    only_entry(mark, AuditEvent.Action.MEMBER_LEAVE, team["developer"], "developer@example.com")


def test_the_last_owner_cannot_leave(alice_client, team):
    mark = last_id()

    response = alice_client.post(reverse("accounts:membership_leave"))

    assert response.status_code == 400
    assert "You are the organization&#x27;s last owner. Transfer ownership" in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert written_since(mark) == []


def test_after_leaving_the_next_organization_becomes_current(client, team, charlie):
    other = organization_of(charlie)
    Membership.objects.create(user=team["developer"], organization=other, role=Role.VIEWER)
    client.force_login(team["developer"])

    client.post(reverse("accounts:membership_leave"))

    home = client.get(reverse("home"))
    assert "You left Alice Fintech." in page(home)
    assert '<span class="topbar__org" title="Organization">Charlie Bank</span>' in page(home)


def test_a_user_without_an_organization_is_told_so_at_home(client, team):
    client.force_login(team["developer"])

    home = client.post(reverse("accounts:membership_leave"), follow=True)

    assert home.status_code == 200
    html = page(home)
    assert "You are not in an organization" in html
    assert "invite developer@example.com" in html
