"""Ownership, two-factor log-in, deletion.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Organization, Role
from apps.models import App
from tests.accounts.team.conftest import TEAM, membership, only_entry, page
from tests.audit import last_id, written_since
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


def test_an_owner_transfers_ownership_and_becomes_an_admin(alice_client, team):
    mark = last_id()
    to = membership(team["developer"], team["organization"])

    response = alice_client.post(reverse("accounts:ownership_transfer"), {"member": to.pk})

    assert response.status_code == 302
    assert membership(team["developer"], team["organization"]).role == Role.OWNER
    assert membership(team["owner"], team["organization"]).role == Role.ADMIN
    entry = only_entry(
        mark, AuditEvent.Action.OWNERSHIP_TRANSFER, team["owner"], "developer@example.com"
    )
    assert entry.details == {"old_role": "developer"}


def test_ownership_goes_only_to_a_member_of_the_organization(alice_client, team, charlie):
    outsider = membership(charlie, organization_of(charlie))
    mark = last_id()

    response = alice_client.post(reverse("accounts:ownership_transfer"), {"member": outsider.pk})

    assert response.status_code == 400
    assert "Choose a member of this organization." in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert outsider.role == Membership.objects.get(pk=outsider.pk).role
    assert written_since(mark) == []


def test_requiring_two_factor_is_refused_while_the_owner_has_none(alice_client, team):
    mark = last_id()

    response = alice_client.post(reverse("accounts:two_factor_requirement"), {"required": "on"})

    assert response.status_code == 400
    assert "Set up two-factor log-in for your own account first." in page(response)
    assert not Organization.objects.get(pk=team["organization"].pk).require_two_factor
    assert written_since(mark) == []


def test_recovery_codes_alone_do_not_count_as_two_factor(alice_client, team):
    RecoveryCodes.activate(team["owner"])

    response = alice_client.post(reverse("accounts:two_factor_requirement"), {"required": "on"})

    assert response.status_code == 400
    assert not Organization.objects.get(pk=team["organization"].pk).require_two_factor


def test_an_owner_with_two_factor_requires_it_and_lifts_it(alice_client, team):
    TOTP.activate(team["owner"], generate_totp_secret())
    organization = team["organization"]
    mark = last_id()

    response = alice_client.post(reverse("accounts:two_factor_requirement"), {"required": "on"})

    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).require_two_factor
    entry = only_entry(mark, AuditEvent.Action.MFA_REQUIRE, team["owner"], str(organization.pk))
    assert entry.details == {"required": True}
    assert "Every member needs two-factor log-in." in page(alice_client.get(TEAM))

    mark = last_id()
    assert alice_client.post(reverse("accounts:two_factor_requirement"), {}).status_code == 302
    assert not Organization.objects.get(pk=organization.pk).require_two_factor
    assert only_entry(
        mark, AuditEvent.Action.MFA_REQUIRE, team["owner"], str(organization.pk)
    ).details == {"required": False}


def test_deleting_the_organization_needs_its_exact_name(alice_client, team, make_app):
    make_app(team["owner"])

    response = alice_client.post(
        reverse("accounts:organization_delete"), {"confirm_name": "alice fintech"}
    )

    assert response.status_code == 400
    assert "Type the organization&#x27;s name exactly as shown to confirm." in page(response)
    assert Organization.objects.filter(pk=team["organization"].pk).exists()
    assert App.objects.count() == 1


def test_an_owner_deletes_the_organization_with_everything_in_it(alice_client, team, make_app):
    make_app(team["owner"])
    organization = team["organization"]

    response = alice_client.post(
        reverse("accounts:organization_delete"), {"confirm_name": "Alice Fintech"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not Membership.objects.filter(organization_id=organization.pk).exists()
    assert not App.objects.exists()
    # The organization's audit log goes with it: there is no organization left to log under.
    assert not AuditEvent.objects.filter(organization_id=organization.pk).exists()
    assert "Alice Fintech was deleted." in page(alice_client.get(reverse("home")))
