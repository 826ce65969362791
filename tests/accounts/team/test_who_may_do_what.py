"""Who may do what.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import pytest
from django.urls import reverse

from accounts.models import Invitation, Membership, Organization, Role
from tests.accounts.team.conftest import INVITE, TEAM, invite, membership
from tests.audit import last_id, written_since
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post_urls(team, invitation) -> dict[str, str]:
    developer = membership(team["developer"], team["organization"])
    return {
        "accounts:invitation_create": INVITE,
        "accounts:invitation_resend": reverse("accounts:invitation_resend", args=[invitation.pk]),
        "accounts:invitation_cancel": reverse("accounts:invitation_cancel", args=[invitation.pk]),
        "accounts:member_role_change": reverse("accounts:member_role_change", args=[developer.pk]),
        "accounts:member_remove": reverse("accounts:member_remove", args=[developer.pk]),
        "accounts:ownership_transfer": reverse("accounts:ownership_transfer"),
        "accounts:two_factor_requirement": reverse("accounts:two_factor_requirement"),
        "accounts:organization_delete": reverse("accounts:organization_delete"),
    }


FORMS = {
    "accounts:invitation_create": {"email": "mallory@example.com", "role": "viewer"},
    "accounts:member_role_change": {"role": "viewer"},
    "accounts:ownership_transfer": {},
    "accounts:two_factor_requirement": {"required": ""},
    "accounts:organization_delete": {"confirm_name": "Alice Fintech"},
}
OWNER_ONLY = {
    "accounts:ownership_transfer",
    "accounts:two_factor_requirement",
    "accounts:organization_delete",
}


@pytest.mark.parametrize("role", ["developer", "viewer", "admin"])
def test_roles_without_the_permission_get_403_and_nothing_changes(
    client, team, role, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    developer = membership(team["developer"], team["organization"])
    client.force_login(team[role])
    mark = last_id()

    for name, url in post_urls(team, invitation).items():
        if role == "admin" and name not in OWNER_ONLY:
            continue
        response = client.post(url, FORMS.get(name, {}))
        assert response.status_code == 403, name

    assert written_since(mark) == []
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
        "accounts:invitation_resend",
        "accounts:invitation_cancel",
        "accounts:member_role_change",
        "accounts:member_remove",
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
    urls = {
        **post_urls(team, invitation),
        "accounts:membership_leave": reverse("accounts:membership_leave"),
    }

    for name, url in urls.items():
        response = alice_client.get(url)
        assert (response.status_code, response["Location"]) == (302, TEAM), name
    assert Invitation.objects.get().open


def test_without_an_organization_the_team_page_sends_you_home(client, make_user):
    client.force_login(make_user("nobody@example.com", organization=None))
    response = client.get(TEAM)
    assert (response.status_code, response["Location"]) == (302, reverse("home"))
