"""The page.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import re

import pytest
from django.urls import reverse

from accounts.permissions import LABELS as ACTION_LABELS
from accounts.permissions import PERMISSIONS, ROLE_SUMMARY
from tests.accounts.team.conftest import TEAM, invite, membership, page
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_team_page_lists_members_with_role_and_joined_date_and_marks_you(alice_client, team):
    response = alice_client.get(TEAM)

    assert response.status_code == 200
    html = page(response)
    assert 'alice@example.com <span class="badge">You</span>' in html
    for role in ("admin", "developer", "viewer"):
        assert f"{role}@example.com" in html
    joined = membership(team["admin"], team["organization"]).created_at
    assert f'datetime="{joined.isoformat()}"' in html
    assert html.count('<span class="badge">You</span>') == 1


def test_the_team_page_shows_the_roles_table_from_the_permission_table(alice_client, team):
    html = page(alice_client.get(TEAM))

    for summary in ROLE_SUMMARY.values():
        assert summary in html
    for action in PERMISSIONS:
        assert ACTION_LABELS[action].replace("'", "&#x27;") in html
    # Transfer ownership: owners only, so one "Yes" in its row.
    row = re.search(r"<th scope=\"row\">Transfer ownership</th>(.*?)</tr>", html)[1]
    assert row.count(">Yes<") == 1 and row.count(">No<") == 3


def test_every_action_of_the_permission_table_has_words_on_the_team_page():
    assert set(PERMISSIONS) <= set(ACTION_LABELS)


def test_an_owner_sees_every_management_form(alice_client, team):
    """The team's forms on the Team page ("Invite a member" first); the organization's own,
    the two-factor rule and deleting it, on Organization settings."""
    html = page(alice_client.get(TEAM))
    organization = page(alice_client.get(reverse("accounts:organization_settings")))

    for text in (
        "Change role",
        ">Remove<",
        "Send invitation",
        "Transfer ownership</button>",
        "Leave organization</button>",
        'href="/team/organization/"',
    ):
        assert text in html, text
    assert html.index("Invite a member") < html.index("Members</h2>")
    for text in ("Require two-factor log-in for every member", "Delete organization</button>"):
        assert text in organization and text not in html, text


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_see_the_team_read_only(
    client, team, role, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    client.force_login(team[role])

    html = page(client.get(TEAM))

    assert "erin@example.com" in html and "admin@example.com" in html
    for text in (
        "Change role",
        ">Remove<",
        ">Resend<",
        ">Cancel<",
        "Send invitation",
        "Transfer ownership</button>",
        "Require two-factor log-in for every member",
        "Delete organization</button>",
        "<select",
    ):
        assert text not in html, text
    assert "Leave organization</button>" in html


def test_an_admin_manages_the_team_but_not_owners_nor_the_organization(client, team):
    client.force_login(team["admin"])
    html = page(client.get(TEAM))

    owner = membership(team["owner"], team["organization"])
    developer = membership(team["developer"], team["organization"])
    assert reverse("accounts:member_role_change", args=[developer.pk]) in html
    assert reverse("accounts:member_role_change", args=[owner.pk]) not in html
    assert reverse("accounts:member_remove", args=[owner.pk]) not in html
    assert '<option value="owner"' not in html
    for text in (
        "Transfer ownership</button>",
        "Delete organization</button>",
        "two-factor-required",
    ):
        assert text not in html
    assert "Send invitation" in html


def test_nobody_gets_a_remove_button_for_themselves(alice_client, team):
    html = page(alice_client.get(TEAM))
    own = membership(team["owner"], team["organization"])
    assert reverse("accounts:member_remove", args=[own.pk]) not in html
