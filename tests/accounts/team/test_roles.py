"""Roles.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.accounts.team.conftest import TEAM, membership, only_entry, page
from tests.audit import last_id, written_since

pytestmark = pytest.mark.django_db


def change_role(client, user, organization, role):
    return client.post(
        reverse("accounts:member_role_change", args=[membership(user, organization).pk]),
        {"role": role},
    )


def test_an_owner_changes_a_members_role(alice_client, team):
    mark = last_id()

    response = change_role(alice_client, team["developer"], team["organization"], Role.ADMIN)

    assert response.status_code == 302
    assert membership(team["developer"], team["organization"]).role == Role.ADMIN
    entry = only_entry(
        mark, AuditEvent.Action.MEMBER_ROLE_CHANGE, team["owner"], "developer@example.com"
    )
    assert entry.details == {"old_role": "developer", "new_role": "admin"}
    assert "developer@example.com is now admin." in page(alice_client.get(TEAM))


def test_an_owner_makes_another_owner(alice_client, team):
    assert (
        change_role(alice_client, team["admin"], team["organization"], Role.OWNER).status_code
        == 302
    )
    assert membership(team["admin"], team["organization"]).role == Role.OWNER


def test_an_admin_cannot_change_an_owners_role_nor_make_an_owner(client, team):
    client.force_login(team["admin"])
    mark = last_id()

    demote = change_role(client, team["owner"], team["organization"], Role.VIEWER)
    promote = change_role(client, team["developer"], team["organization"], Role.OWNER)

    for response in (demote, promote):
        assert response.status_code == 400
        assert "Only an owner can make someone an owner or change an owner&#x27;s role." in page(
            response
        )
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert membership(team["developer"], team["organization"]).role == Role.DEVELOPER
    assert written_since(mark) == []


def test_the_last_owner_cannot_be_demoted(alice_client, team):
    mark = last_id()

    response = change_role(alice_client, team["owner"], team["organization"], Role.ADMIN)

    assert response.status_code == 400
    assert "You are the organization&#x27;s last owner." in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert written_since(mark) == []


def test_an_unknown_role_is_refused(alice_client, team):
    response = change_role(alice_client, team["viewer"], team["organization"], "superhero")
    assert response.status_code == 400
    assert "Choose a role." in page(response)
    assert membership(team["viewer"], team["organization"]).role == Role.VIEWER
