"""Drafts.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

from django.test import Client

from accounts.models import OutboundEmail
from kyb.models import AccessStatus, KybReview, KybStatus
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.conftest import text
from tests.kyb.kyb_form.conftest import (
    COMPANY_URL,
    DIRECTORS_URL,
    DOCUMENTS_URL,
    KYB_URL,
    OWNERS_URL,
    REVIEW_URL,
    owner_data,
    submission_of,
)


def test_partial_company_details_are_saved_as_a_draft_and_are_there_on_return(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    emails_before = OutboundEmail.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            COMPANY_URL,
            {
                "legal_name": "Alice Fintech AB",
                "registration_number": "556677-8899",
                "country": "SE",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == OWNERS_URL  # Save and continue: the next step

    later = Client()
    later.force_login(alice)
    assert later.get(KYB_URL)["Location"] == COMPANY_URL  # the first step not done
    page = text(later.get(COMPANY_URL))
    assert 'value="Alice Fintech AB"' in page
    assert 'value="556677-8899"' in page
    assert '<option value="SE" selected>Sweden</option>' in page
    assert "Status: <strong>Draft</strong>" in page
    assert "missing before you can submit:" in text(later.get(REVIEW_URL))

    submission = submission_of(alice)
    assert submission.status == KybStatus.DRAFT
    assert submission.submitted_at is None
    assert (submission.legal_name, submission.registration_number) == (
        "Alice Fintech AB",
        "556677-8899",
    )
    assert not KybReview.objects.exists()
    assert organization_of(alice).access_requests.get().status == AccessStatus.REQUESTED
    assert mailoutbox == []
    assert OutboundEmail.objects.count() == emails_before


def test_owners_directors_and_documents_are_kept_in_the_draft(owner_client, alice):
    assert owner_client.post(OWNERS_URL, owner_data()).status_code == 302
    assert (
        owner_client.post(DIRECTORS_URL, {"full_name": "Bo Berg", "nationality": "NO"}).status_code
        == 302
    )
    upload = files.upload("certificate.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": "incorporation", "file": upload})
    assert response.status_code == 302

    page = text(owner_client.get(REVIEW_URL))
    assert '<td data-label="Full name">Alice Andersson</td>' in page
    assert '<time datetime="1984-05-17">17 May 1984</time>' in page
    assert '<td data-label="Ownership">60.00 %</td>' in page
    assert '<td data-label="Full name">Bo Berg</td>' in page
    assert '<td data-label="Nationality">Norway</td>' in page
    assert '<td data-label="Document">Certificate of incorporation</td>' in page
    assert ">certificate.pdf</a>" in page  # the uploader's own file name
    assert submission_of(alice).status == KybStatus.DRAFT
