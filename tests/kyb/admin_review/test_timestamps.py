"""The admin's timestamps read as the Console's.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import re
from datetime import UTC, datetime

import pytest

from kyb import services
from kyb.models import KybSubmission
from tests.kyb.admin_review.conftest import ACCESS_CHANGELIST, CHANGELIST, DECIDED_AT, change_url

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_pages_show_timestamps_as_the_console_does(
    staff_client, reviewer, alice_kyb
):
    services.kyb_submission_approve(submission=alice_kyb, reviewer=reviewer)
    KybSubmission.objects.filter(pk=alice_kyb.pk).update(
        submitted_at=datetime(2026, 11, 30, 9, 5, tzinfo=UTC), decided_at=DECIDED_AT
    )

    row = staff_client.get(CHANGELIST).content.decode()
    assert '<td class="field-submitted_at nowrap">30 Nov 2026, 09:05</td>' in row
    assert '<td class="field-decided_at nowrap">2 Dec 2026, 14:27</td>' in row
    page = staff_client.get(change_url(alice_kyb)).content.decode()
    assert '<div class="readonly">30 Nov 2026, 09:05</div>' in page
    assert '<div class="readonly">2 Dec 2026, 14:27</div>' in page
    access = staff_client.get(ACCESS_CHANGELIST).content.decode()
    assert re.search(
        r'<td class="field-created_at nowrap">\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d</td>', access
    )
