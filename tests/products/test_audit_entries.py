"""Going to production and the KYB review.

From tests.accounts.test_audit_entries: Each audited action writes exactly one entry, with the
right actor and target.
"""

import pytest

from accounts.models import AuditEvent
from tests.audit import assert_organization_target, last_id, only_entry
from tests.conftest import contact_sales

pytestmark = pytest.mark.django_db


Action = AuditEvent.Action


def test_contacting_sales_writes_one_entry(org, alice, catalog):
    before = last_id()
    contact_sales(alice)
    entry = only_entry(before, Action.SALES_CONTACT)
    assert_organization_target(entry, org, alice)
    assert entry.details == {"products": ["transactions"]}
