"""Who changed each part of a KYB is recorded by the services and shown to reviewers: the
company step and the owners' answer (Last changed by), each owner and director (Added by) and
each document (Uploaded by)."""

import pytest

from accounts.models import Membership, Role
from kyb import services
from kyb.models import BeneficialOwner, Director, KybDocument, KybSubmission
from tests.conftest import organization_of
from tests.kyb.conftest import COMPANY, complete_kyb

CHANGELIST = "/admin/kyb/kybsubmission/"


@pytest.fixture
def bob(make_user, alice):
    """An admin of Alice's organization, who finishes her KYB."""
    user = make_user("bob@example.com", organization=None)
    Membership.objects.create(user=user, organization=organization_of(alice), role=Role.ADMIN)
    return user


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


def test_each_part_records_who_changed_it(alice, bob, catalog):
    complete_kyb(alice)
    organization = organization_of(alice)
    services.director_add(
        organization=organization, added_by=bob, full_name="Cleo Carlsson", nationality="NO"
    )
    submission = KybSubmission.objects.get(organization=organization)
    assert submission.updated_by == alice
    assert BeneficialOwner.objects.get().added_by == alice
    assert {(d.full_name, d.added_by) for d in Director.objects.all()} == {
        ("Bo Berg", alice),
        ("Cleo Carlsson", bob),
    }
    assert {document.uploaded_by for document in KybDocument.objects.all()} == {alice}

    services.kyb_company_update(organization=organization, updated_by=bob, **COMPANY)
    assert KybSubmission.objects.get(pk=submission.pk).updated_by == bob
    services.beneficial_owners_update(
        organization=organization, updated_by=alice, no_beneficial_owners=True
    )
    assert KybSubmission.objects.get(pk=submission.pk).updated_by == alice


def test_the_change_page_shows_who_changed_each_part(alice, bob, catalog, reviewer_client):
    complete_kyb(alice)
    organization = organization_of(alice)
    services.director_add(
        organization=organization, added_by=bob, full_name="Cleo Carlsson", nationality="NO"
    )
    services.kyb_company_update(organization=organization, updated_by=bob, **COMPANY)
    submission = services.kyb_submit(organization=organization, submitted_by=alice)

    page = reviewer_client.get(f"{CHANGELIST}{submission.pk}/change/").content.decode()

    assert "Last changed by" in page
    assert "Added by" in page
    assert "Uploaded by" in page
    # Bob last changed the company; Alice added the owner, the first director and the
    # documents, and submitted it; Bob the second director. Each links to the account.
    assert page.count(f'/admin/accounts/user/{bob.pk}/change/">bob@example.com</a>') == 2
    assert page.count(f'/admin/accounts/user/{alice.pk}/change/">alice@example.com</a>') == 6


def test_a_member_removed_since_leaves_the_parts_they_changed(alice, bob, catalog):
    organization = organization_of(alice)
    complete_kyb(alice)
    director = services.director_add(
        organization=organization, added_by=bob, full_name="Cleo Carlsson", nationality="NO"
    )
    bob.delete()
    director.refresh_from_db()
    assert director.added_by is None
