"""Who may do what.

Part of tests.accounts.team: The Team page: members and roles, invitations, ownership, the two-
factor rule, leaving and deleting the organization, and the organization switcher, through the
test client.
"""

import pytest
from django.urls import reverse

from accounts.models import Invitation, Membership, Organization, Role
from tests.accounts.team.conftest import INVITE, TEAM, audit_mark, audit_since, invite, membership
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post_urls(team, invitation) -> dict[str, str]:
    developer = membership(team["developer"], team["organization"])
    return {
        "team_invite": INVITE,
        "team_invitation_resend": reverse("team_invitation_resend", args=[invitation.pk]),
        "team_invitation_cancel": reverse("team_invitation_cancel", args=[invitation.pk]),
        "team_member_role": reverse("team_member_role", args=[developer.pk]),
        "team_member_remove": reverse("team_member_remove", args=[developer.pk]),
        "team_transfer": reverse("team_transfer"),
        "team_two_factor": reverse("team_two_factor"),
        "team_delete": reverse("team_delete"),
    }


FORMS = {
    "team_invite": {"email": "mallory@example.com", "role": "viewer"},
    "team_member_role": {"role": "viewer"},
    "team_transfer": {},
    "team_two_factor": {"required": ""},
    "team_delete": {"confirm_name": "Alice Fintech"},
}
OWNER_ONLY = {"team_transfer", "team_two_factor", "team_delete"}


@pytest.mark.parametrize("role", ["developer", "viewer", "admin"])
def test_roles_without_the_permission_get_403_and_nothing_changes(
    client, team, role, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    developer = membership(team["developer"], team["organization"])
    client.force_login(team[role])
    mark = audit_mark()

    for name, url in post_urls(team, invitation).items():
        if role == "admin" and name not in OWNER_ONLY:
            continue
        response = client.post(url, FORMS.get(name, {}))
        assert response.status_code == 403, name

    assert audit_since(mark) == []
    assert Organization.objects.filter(pk=team["organization"].pk).exists()
    assert Invitation.objects.get().open
    assert Membership.objects.get(pk=developer.pk).role == Role.DEVELOPER


def test_an_outsider_gets_404_for_another_organizations_invitation_or_member(
    client, team, charlie, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.force_login(charlie)  # owner of Charlie Bank: every permission, in another org

    for name in (
        "team_invitation_resend",
        "team_invitation_cancel",
        "team_member_role",
        "team_member_remove",
    ):
        response = client.post(post_urls(team, invitation)[name], {"role": "viewer"})
        assert response.status_code == 404, name
    assert Invitation.objects.get().open
    assert membership(team["developer"], team["organization"]).role == Role.DEVELOPER


def test_opening_a_form_url_lands_on_the_team_page(
    alice_client, team, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    urls = {**post_urls(team, invitation), "team_leave": reverse("team_leave")}

    for name, url in urls.items():
        response = alice_client.get(url)
        assert (response.status_code, response["Location"]) == (302, TEAM), name
    assert Invitation.objects.get().open


def test_without_an_organization_the_team_page_sends_you_home(client, make_user):
    client.force_login(make_user("nobody@example.com", organization=None))
    response = client.get(TEAM)
    assert (response.status_code, response["Location"]) == (302, reverse("home"))
