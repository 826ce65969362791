"""Changes requested, then resubmitted.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import pytest
from django.test import Client

from kyb import documents as kyb_documents
from kyb import services
from kyb.models import AccessStatus, KybStatus, ProductionAccessRequest
from products.models import ProductionGrant
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.admin_review.conftest import CHANGELIST, decide, history, listed

pytestmark = pytest.mark.django_db


def test_after_changes_are_requested_the_organization_resubmits_and_is_approved(
    staff_client, alice, alice_kyb, django_capture_on_commit_callbacks
):
    note = "Upload a recent proof of address."
    decide(
        staff_client, django_capture_on_commit_callbacks, "request_changes", alice_kyb, note=note
    )

    alice_browser = Client()  # staff_client is the `client` fixture, logged in as reviewer
    alice_browser.force_login(alice)
    page = alice_browser.get("/kyb/", follow=True).content.decode()
    assert "Note from our review team" in page and note in page
    assert "Changes requested" in page

    organization = organization_of(alice)
    old = alice_kyb.documents.get(kind="proof_of_address")
    kyb_documents.kyb_document_remove(organization=organization, document_id=str(old.pk))
    kyb_documents.kyb_document_add(
        organization=organization,
        uploaded_by=alice,
        kind="proof_of_address",
        upload=files.upload("address.png", files.png(), "image/png"),
    )
    services.kyb_submit(organization=organization, submitted_by=alice)
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "submitted"})) == ["Alice Fintech"]
    assert ProductionAccessRequest.objects.get().status == AccessStatus.UNDER_REVIEW

    decide(staff_client, django_capture_on_commit_callbacks, "approve", alice_kyb)

    alice_kyb.refresh_from_db()
    assert alice_kyb.status == KybStatus.APPROVED
    assert [decision for decision, _, _ in history(alice_kyb)] == [
        "submitted",
        "changes_requested",
        "submitted",
        "approved",
    ]
    assert ProductionGrant.objects.filter(organization=organization).count() == 1
