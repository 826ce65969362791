"""Going to production and the KYB review.

From tests.accounts.test_audit_entries: Each audited action writes exactly one entry, with the
right actor and target.
"""

import pytest

from accounts.models import AuditEvent, Organization, User
from tests.audit import last_id, only_entry
from tests.conftest import contact_sales, organization_of

pytestmark = pytest.mark.django_db


Action = AuditEvent.Action


@pytest.fixture
def org(alice) -> Organization:
    return organization_of(alice)


def assert_organization_target(entry: AuditEvent, organization, actor: User) -> None:
    assert entry.organization == organization
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "organization",
        str(organization.pk),
        organization.name,
    )


def test_contacting_sales_writes_one_entry(org, alice, catalog):
    before = last_id()
    contact_sales(alice)
    entry = only_entry(before, Action.SALES_CONTACT)
    assert_organization_target(entry, org, alice)
    assert entry.details == {"products": ["transactions"]}
