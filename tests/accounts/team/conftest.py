"""Helpers and fixtures that several of tests/accounts/team's test modules share."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Role
from tests.audit import written_since
from tests.conftest import organization_of

BASE_URL = "http://testserver-base"
TEAM = reverse("accounts:team_index")
INVITE = reverse("accounts:invitation_create")
LINK = re.compile(re.escape(BASE_URL) + r"/invitations/(?P<token>[A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE_URL


@pytest.fixture
def team(alice, add_member):
    """Alice Fintech: alice (owner), an admin, a developer and a viewer."""
    organization = organization_of(alice)
    return {
        "organization": organization,
        "owner": alice,
        **{role: add_member(organization, role) for role in ("admin", "developer", "viewer")},
    }


def membership(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def only_entry(mark: int, action: str, actor, target: str) -> AuditEvent:
    """The one entry written since `mark`: `actor` did `action` to `target`."""
    entries = written_since(mark)
    assert [(e.action, e.actor_id, e.target_id) for e in entries] == [(action, actor.pk, target)]
    return entries[0]


def token_in(message) -> str:
    return LINK.search(message.body)["token"]


def invite(client, capture, email="erin@example.com", role=Role.DEVELOPER):
    with capture(execute=True):
        return client.post(INVITE, {"email": email, "role": role})


def page(response) -> str:
    return response.content.decode()
