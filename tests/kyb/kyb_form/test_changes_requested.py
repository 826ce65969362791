"""Changes requested: the note, editing, resubmitting.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

from kyb import services
from kyb.models import AccessStatus, DocumentKind, KybStatus
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.conftest import submit_kyb, text
from tests.kyb.kyb_form.conftest import (
    COMPANY_URL,
    DOCUMENTS_URL,
    KYB_URL,
    SUBMIT_URL,
    company_data,
    submission_of,
)

NOTE = "The proof of address is older than three months; upload a newer one."


def test_the_reviewers_note_is_shown_when_changes_are_requested(owner_client, alice, reviewer):
    submission = submit_kyb(alice)
    services.kyb_submission_request_changes(submission=submission, reviewer=reviewer, note=NOTE)
    page = text(owner_client.get(KYB_URL, follow=True))
    assert "Status: <strong>Changes requested</strong>" in page
    assert "Note from our review team" in page
    assert NOTE in page


def test_the_reviewers_reason_is_shown_when_the_kyb_is_rejected(owner_client, alice, reviewer):
    submission = submit_kyb(alice)
    reason = "We can't offer production access to this line of business."
    services.kyb_submission_reject(submission=submission, reviewer=reviewer, note=reason)
    page = text(owner_client.get(KYB_URL, follow=True))
    assert "Status: <strong>Rejected</strong>" in page
    assert reason in page
    assert f'action="{COMPANY_URL}"' not in page


def test_changes_requested_can_be_edited_and_resubmitted(
    owner_client, alice, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    submission = submit_kyb(alice)
    services.kyb_submission_request_changes(submission=submission, reviewer=reviewer, note=NOTE)
    assert organization_of(alice).access_requests.get().status == AccessStatus.CHANGES_REQUESTED

    response = owner_client.post(COMPANY_URL, company_data(registered_address="Kungsgatan 2"))
    assert response.status_code == 302
    old = submission.documents.get(kind=DocumentKind.PROOF_OF_ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/kyb/documents/{old.pk}/remove/").status_code == 302
    upload = files.upload("new-address.png", files.png(), "image/png")
    response = owner_client.post(DOCUMENTS_URL, {"kind": "proof_of_address", "file": upload})
    assert response.status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(SUBMIT_URL)
    assert response.status_code == 302
    submission = submission_of(alice)
    assert submission.status == KybStatus.SUBMITTED
    assert submission.registered_address == "Kungsgatan 2"
    assert submission.documents.get(kind=DocumentKind.PROOF_OF_ADDRESS).content_type == (
        "image/png"
    )
    assert organization_of(alice).access_requests.get().status == AccessStatus.UNDER_REVIEW
    assert list(submission.reviews.values_list("decision", "note")) == [
        ("submitted", ""),
        ("changes_requested", NOTE),
        ("submitted", ""),
    ]
    assert {address for message in mailoutbox for address in message.to} >= {"alice@example.com"}
    page = text(owner_client.get(KYB_URL, follow=True))
    assert "Status: <strong>Under review</strong>" in page
    assert "Note from our review team" not in page
