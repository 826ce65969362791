"""Production access requests after an approved KYB.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import pytest

from accounts.models import AuditEvent
from apps import selectors as app_selectors
from kyb import services
from kyb.models import AccessStatus, KybSubmission, ProductionAccessRequest
from products.models import ProductionGrant
from tests.kyb.admin_review.conftest import (
    ACCESS_CHANGELIST,
    NOTE_REQUIRED,
    apply,
    decide,
    messages_of,
    production_app_of,
    scopes_of,
)
from tests.kyb.conftest import request_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_alice(alice, reviewer, alice_kyb) -> KybSubmission:
    return services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)


def test_a_product_requested_after_approval_is_under_review_and_can_be_approved(
    staff_client,
    alice,
    approved_alice,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    [access] = request_access(alice, "income-check")
    assert access.status == AccessStatus.UNDER_REVIEW
    page = staff_client.get(ACCESS_CHANGELIST).content.decode()
    assert "Income Check" in page and "Under review" in page
    change = staff_client.get(f"{ACCESS_CHANGELIST}{access.pk}/change/").content.decode()
    assert "Categorise our customers&#x27; transactions." in change
    assert "Alice live" in change
    app = production_app_of(alice)
    assert "income-checks:read" not in app_selectors.allowed_scopes(app=app)
    mailoutbox.clear()

    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", access, url=ACCESS_CHANGELIST
    )

    assert response.status_code == 302
    assert messages_of(staff_client.get(response["Location"])) == [
        ("info", "Approve: 1 production access request.")
    ]
    access.refresh_from_db()
    assert access.status == AccessStatus.APPROVED
    assert ProductionGrant.objects.filter(product__slug="income-check").exists()
    assert app_selectors.allowed_scopes(app=app) == scopes_of("transactions", "income-check")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PRODUCTION_ACCESS_APPROVE).exists()
    [mail] = mailoutbox
    assert mail.subject == "Console: Production access to Income Check approved"
    assert mail.to == ["alice@example.com"]


def test_a_product_requested_after_approval_can_be_rejected_with_a_reason(
    staff_client, alice, approved_alice, django_capture_on_commit_callbacks, mailoutbox
):
    [access] = request_access(alice, "payment-initiation")
    mailoutbox.clear()
    refused = apply(staff_client, "reject", access, url=ACCESS_CHANGELIST)
    assert refused.status_code == 200
    assert NOTE_REQUIRED["reject"] in refused.content.decode()
    access.refresh_from_db()
    assert access.status == AccessStatus.UNDER_REVIEW

    response = decide(
        staff_client,
        django_capture_on_commit_callbacks,
        "reject",
        access,
        note="Payments need a licence.",
        url=ACCESS_CHANGELIST,
    )

    assert response.status_code == 302
    access.refresh_from_db()
    assert access.status == AccessStatus.REJECTED
    assert not ProductionGrant.objects.filter(product__slug="payment-initiation").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PRODUCTION_ACCESS_REJECT)
    assert event.details["note"] == "Payments need a licence."
    [mail] = mailoutbox
    assert mail.subject == "Console: Production access to Payment Initiation rejected"
    assert "Payments need a licence." in mail.body


def test_a_request_that_follows_its_kyb_is_not_decided_on_its_own(
    staff_client, alice_kyb, django_capture_on_commit_callbacks
):
    access = ProductionAccessRequest.objects.get()
    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", access, url=ACCESS_CHANGELIST
    )
    [(level, message)] = messages_of(staff_client.get(response["Location"]))
    assert level == "error"
    assert "the others follow their KYB" in message
    access.refresh_from_db()
    assert access.status == AccessStatus.UNDER_REVIEW
    assert not ProductionGrant.objects.exists()
