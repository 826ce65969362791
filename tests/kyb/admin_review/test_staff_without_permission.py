"""Staff without the review permission.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import pytest
from django.core.exceptions import PermissionDenied

from kyb import services
from kyb.models import KybStatus
from tests.kyb.admin_review.conftest import (
    ACCESS_CHANGELIST,
    CHANGELIST,
    apply,
    confirm_page,
    state,
)

pytestmark = pytest.mark.django_db


def test_staff_without_the_review_permission_see_no_actions(client, viewer_staff, alice_kyb):
    client.force_login(viewer_staff)
    page = client.get(CHANGELIST).content.decode()
    assert "Alice Fintech AB" in page
    assert 'name="action"' not in page
    assert '<option value="approve">' not in page
    assert 'name="action"' not in client.get(ACCESS_CHANGELIST).content.decode()
    change = client.get(f"{CHANGELIST}{alice_kyb.pk}/change/")
    assert change.status_code == 200


@pytest.mark.parametrize("action", ["approve", "request_changes", "reject"])
def test_a_forged_action_post_without_the_review_permission_changes_nothing(
    client, viewer_staff, alice_kyb, django_capture_on_commit_callbacks, mailoutbox, action
):
    client.force_login(viewer_staff)
    before = state(alice_kyb)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_page(client, action, alice_kyb)
        response = apply(client, action, alice_kyb, note="Forged")
    # The action isn't offered to them: the POST just shows the list again.
    assert response.status_code == 200
    assert "are you sure?" not in response.content.decode()
    assert "<h1>Select KYB submission to view</h1>" in response.content.decode()
    assert state(alice_kyb) == before
    assert mailoutbox == []


def test_the_review_services_refuse_staff_without_the_permission(viewer_staff, alice_kyb):
    with pytest.raises(PermissionDenied):
        services.kyb_submission_approve(submission=alice_kyb, reviewer=viewer_staff)
    alice_kyb.refresh_from_db()
    assert alice_kyb.status == KybStatus.SUBMITTED
