"""The queue: submissions under review, oldest first.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kyb import services
from kyb.models import KybStatus, KybSubmission
from tests.conftest import make_staff
from tests.kyb.admin_review.conftest import (
    CHANGELIST,
    NORTHWIND,
    buttons_on,
    change_url,
    decide,
    messages_of,
    submit_as,
)

pytestmark = pytest.mark.django_db


QUEUE = "/admin/kyb/kybsubmissionunderreview/"


@pytest.fixture
def three_waiting(alice_kyb, charlie_kyb, make_user, catalog) -> list[KybSubmission]:
    """Alice's waiting 2 hours, Dora's 3 days, Charlie's 10 minutes."""
    dora = make_user("dora@example.com", organization="Dora Lending")
    dora_kyb = submit_as(dora, **{**NORTHWIND, "legal_name": "Dora Lending AS", "country": "NO"})
    now = timezone.now()
    for submission, age in (
        (alice_kyb, timedelta(hours=2, minutes=5)),
        (dora_kyb, timedelta(days=3, hours=1)),
        (charlie_kyb, timedelta(minutes=10, seconds=30)),
    ):
        KybSubmission.objects.filter(pk=submission.pk).update(submitted_at=now - age)
    return [dora_kyb, alice_kyb, charlie_kyb]


def queue_rows(response) -> list[tuple[str, str, str]]:
    """(link, name, waiting) of each row of the queue."""
    assert response.status_code == 200
    return re.findall(
        r'<th class="field-submission"><a href="([^"]+)">([^<]+)</a></th>'
        r'<td class="field-waiting">([^<]+)</td>',
        response.content.decode(),
    )


def test_the_queue_lists_submissions_under_review_oldest_first_with_their_wait(
    staff_client, reviewer, three_waiting, make_user
):
    dora_kyb, alice_kyb, charlie_kyb = three_waiting
    erin = make_user("erin@example.com", organization="Erin Decided")
    decided = submit_as(erin, **{**NORTHWIND, "legal_name": "Erin Decided Ltd"})
    services.kyb_submission_approve(submission=decided, reviewer=reviewer)

    response = staff_client.get(QUEUE)

    assert "<h1>Submissions under review, oldest first</h1>" in response.content.decode()
    assert queue_rows(response) == [
        (change_url(dora_kyb), "Dora Lending AS", "3\xa0days, 1\xa0hour"),
        (change_url(alice_kyb), "Alice Fintech AB", "2\xa0hours, 5\xa0minutes"),
        (change_url(charlie_kyb), "Northwind Payments Ltd", "10\xa0minutes"),
    ]
    assert "3 submissions under review" in response.content.decode()


def test_the_queue_is_linked_from_the_admin_index_and_the_kyb_list(staff_client, three_waiting):
    index = staff_client.get("/admin/").content.decode()
    assert f'<a href="{QUEUE}">Submissions under review</a>' in index
    kyb_list = staff_client.get(CHANGELIST).content.decode()
    assert f'<a href="{QUEUE}">Submissions under review: 3</a>' in kyb_list


def test_a_queue_row_opens_the_submission_page_with_its_buttons(staff_client, three_waiting):
    dora_kyb = three_waiting[0]
    [(link, _, _), *_] = queue_rows(staff_client.get(QUEUE))
    assert "Approve" in buttons_on(staff_client.get(link).content.decode())
    # The queue has no page of its own per submission.
    response = staff_client.get(f"{QUEUE}{dora_kyb.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == change_url(dora_kyb)


def test_deciding_from_the_queue_takes_the_submission_out_of_it(
    staff_client, three_waiting, django_capture_on_commit_callbacks
):
    dora_kyb = three_waiting[0]
    response = decide(
        staff_client, django_capture_on_commit_callbacks, "approve", dora_kyb, url=QUEUE
    )
    assert response["Location"] == QUEUE
    after = staff_client.get(QUEUE)
    assert messages_of(after) == [("info", "Approve: 1 KYB submission.")]
    assert [name for _, name, _ in queue_rows(after)] == [
        "Alice Fintech AB",
        "Northwind Payments Ltd",
    ]
    dora_kyb.refresh_from_db()
    assert dora_kyb.status == KybStatus.APPROVED


def test_staff_who_may_view_kyb_see_the_queue_without_its_actions(
    client, viewer_staff, three_waiting, make_user
):
    client.force_login(viewer_staff)
    response = client.get(QUEUE)
    assert len(queue_rows(response)) == 3
    assert 'name="action"' not in response.content.decode()

    client.force_login(make_staff(make_user, "support@tink.example"))
    assert client.get(QUEUE).status_code == 403
