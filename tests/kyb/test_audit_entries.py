"""Going to production and the KYB review.

From tests.accounts.test_audit_entries: Each audited action writes exactly one entry, with the
right actor and target.
"""

import pytest

from accounts.models import AuditEvent
from kyb import services as kyb_services
from kyb.models import AccessStatus, KybSubmission, ProductionAccessRequest
from products.models import Product
from tests.audit import assert_organization_target, last_id, only_entry
from tests.kyb.conftest import complete_kyb, production_app, request_access, submit_kyb

pytestmark = pytest.mark.django_db


Action = AuditEvent.Action


def test_requesting_production_access_writes_one_entry(org, alice, catalog):
    app = production_app(alice)
    before = last_id()

    kyb_services.production_access_request(
        organization=org,
        product=Product.objects.get(slug="transactions"),
        apps=[app],
        use_case="Categorise our customers' transactions.",
        requested_by=alice,
    )

    entry = only_entry(before, Action.PRODUCTION_ACCESS_REQUEST)
    assert_organization_target(entry, org, alice)
    assert entry.details == {"product": "transactions", "apps": [app.client_id]}


def test_submitting_the_kyb_writes_one_entry(org, alice, catalog):
    complete_kyb(alice)
    before = last_id()

    kyb_services.kyb_submit(organization=org, submitted_by=alice)

    assert_organization_target(only_entry(before, Action.KYB_SUBMIT), org, alice)


@pytest.mark.parametrize(
    ("decide", "action"),
    [
        (kyb_services.kyb_submission_approve, Action.KYB_APPROVE),
        (kyb_services.kyb_submission_request_changes, Action.KYB_REQUEST_CHANGES),
        (kyb_services.kyb_submission_reject, Action.KYB_REJECT),
    ],
    ids=["approve", "request changes", "reject"],
)
def test_each_kyb_decision_writes_one_entry_by_the_reviewer(
    org, alice, reviewer, catalog, decide, action
):
    submission = submit_kyb(alice)
    before = last_id()

    decide(submission=submission, reviewer=reviewer, note="Checked the registry extract.")

    entry = only_entry(before, action)
    assert_organization_target(entry, org, reviewer)
    assert entry.details == {"note": "Checked the registry extract."}


@pytest.mark.parametrize(
    ("approve", "action"),
    [(True, Action.PRODUCTION_ACCESS_APPROVE), (False, Action.PRODUCTION_ACCESS_REJECT)],
    ids=["approve", "reject"],
)
def test_a_decision_on_a_later_product_writes_one_entry_by_the_reviewer(
    org, alice, reviewer, catalog, approve, action
):
    kyb_services.kyb_submission_approve(submission=submit_kyb(alice), reviewer=reviewer)
    other = Product.objects.exclude(slug="transactions").first()
    (access,) = request_access(alice, other.slug)
    assert access.status == AccessStatus.UNDER_REVIEW
    before = last_id()

    (kyb_services.production_access_approve if approve else kyb_services.production_access_reject)(
        access=access, reviewer=reviewer, note="Use case checked."
    )

    entry = only_entry(before, action)
    assert_organization_target(entry, org, reviewer)
    assert entry.details == {"product": other.slug, "note": "Use case checked."}
    assert ProductionAccessRequest.objects.get(pk=access.pk).status != AccessStatus.UNDER_REVIEW
    assert KybSubmission.objects.filter(organization=org).exists()
