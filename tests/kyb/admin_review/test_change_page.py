"""The change page: the whole submission.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import re

import pytest
from django.core.exceptions import ValidationError

from kyb.models import KybReview, KybStatus, KybSubmission
from tests.kyb import files
from tests.kyb.admin_review.conftest import CHANGELIST, history

pytestmark = pytest.mark.django_db


def test_the_change_page_shows_the_full_submission(staff_client, alice, alice_kyb):
    page = staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/change/").content.decode()
    # The company, with the encrypted fields in clear for the reviewer.
    for text in (
        "Alice Fintech AB",
        "556677-8899",
        "SE556677889901",
        "Sweden",
        "Sveavägen 1, 111 57 Stockholm",
        "Under review",
    ):
        assert text in page, text
    # The owners (date of birth decrypted), the directors and the documents.
    assert "<p>Alice Andersson</p>" in page
    assert "<p>17 May 1984</p>" in page  # dates as the console shows them
    assert "<p>60.00</p>" in page
    assert "<p>Bo Berg</p>" in page
    for label in ("Certificate of incorporation", "Proof of address", "ID of a director"):
        assert f"<p>{label}</p>" in page, label
    # The organization's access requests and the review history.
    assert (
        "<strong>Transactions</strong> — Under review — apps: Alice live — use case: "
        "Categorise our customers&#x27; transactions." in page
    )
    assert "Review history (append-only)" in page
    assert "<p>Submitted</p>" in page
    assert "<p>alice@example.com</p>" in page


def test_the_reviewer_downloads_each_document_from_the_change_page(staff_client, alice_kyb):
    page = staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/change/").content.decode()
    links = re.findall(r'<a href="(/kyb/documents/[0-9a-f-]{36}/download/)">Download ', page)
    assert sorted(links) == sorted(
        f"/kyb/documents/{document.pk}/download/" for document in alice_kyb.documents.all()
    )
    for link in links:
        response = staff_client.get(link)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment; ")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == files.pdf()


def test_the_admin_offers_no_way_to_edit_or_delete_a_submission_or_its_history(
    staff_client, alice_kyb
):
    url = f"{CHANGELIST}{alice_kyb.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert '-DELETE"' not in page  # no delete box on any inline row
    for inline in ("owners", "directors", "documents", "reviews"):
        # No row can be added either.
        assert f'name="{inline}-MAX_NUM_FORMS" value="0"' in page, inline
    assert staff_client.post(url, {"status": "approved"}).status_code == 403
    assert staff_client.get(f"{CHANGELIST}{alice_kyb.pk}/delete/").status_code == 403
    assert staff_client.get("/admin/kyb/kybreview/").status_code == 404
    assert KybSubmission.objects.get().status == KybStatus.SUBMITTED


def test_the_review_history_refuses_a_change_or_a_deletion(alice_kyb):
    entry = KybReview.objects.get(submission=alice_kyb)
    entry.note = "rewritten"
    with pytest.raises(ValidationError, match="append-only"):
        entry.save()
    with pytest.raises(ValidationError, match="append-only"):
        entry.delete()
    assert history(alice_kyb) == [("submitted", "alice@example.com", "")]
