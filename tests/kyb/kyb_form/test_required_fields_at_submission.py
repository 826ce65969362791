"""Required fields at submission.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

import pytest

from accounts.models import OutboundEmail
from kyb.models import AccessStatus, BeneficialOwner, Director, DocumentKind, KybReview, KybStatus
from tests.conftest import organization_of
from tests.kyb.conftest import complete_kyb, text
from tests.kyb.kyb_form.conftest import (
    COMPANY_URL,
    DIRECTORS_URL,
    OWNERS_URL,
    SUBMIT_URL,
    company_data,
    submission_of,
)

NOT_SUBMITTABLE = "Your KYB can't be submitted yet:"


REQUIRED_COMPANY_FIELDS = {
    "legal_name": "Enter the legal entity name.",
    "registration_number": "Enter the registration number.",
    "country": "Enter the country of registration.",
    "registered_address": "Enter the registered address.",
    "tax_id": "Enter the VAT or tax id.",
    "website": "Enter the website.",
    "industry": "Enter the industry.",
    "monthly_volume": "Enter the expected monthly volume.",
}


def refused_submission(client, alice, mailoutbox, capture) -> str:
    """Submit through the page; assert that nothing moved, and return the page."""
    emails_before = OutboundEmail.objects.count()
    with capture(execute=True):
        response = client.post(SUBMIT_URL)
    assert response.status_code == 400
    submission = submission_of(alice)
    assert submission.status == KybStatus.DRAFT
    assert submission.submitted_at is None
    assert not KybReview.objects.exists()
    assert organization_of(alice).access_requests.get().status == AccessStatus.REQUESTED
    assert mailoutbox == []
    assert OutboundEmail.objects.count() == emails_before
    page = text(response)
    assert NOT_SUBMITTABLE in page
    return page


def test_submitting_an_empty_kyb_lists_everything_that_is_missing(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    owner_client.post(COMPANY_URL, {"legal_name": "Alice Fintech AB"})
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    # Each missing item links to the step and the field that fixes it.
    for field, message in REQUIRED_COMPANY_FIELDS.items():
        if field != "legal_name":
            assert f'<a href="/kyb/company/#id_{field}">{message}</a>' in page
    assert "Enter the legal entity name." not in page
    assert (
        '<a href="/kyb/owners/#owner_full_name">'
        "Add the beneficial owners, or confirm that no person owns 25 % or more.</a>"
    ) in page
    assert '<a href="/kyb/directors/#director_full_name">Add at least one director.</a>' in page
    assert (
        '<a href="/kyb/documents/?kind=incorporation#id_file">'
        "Upload the certificate of incorporation.</a>"
    ) in page
    assert (
        '<a href="/kyb/documents/?kind=proof_of_address#id_file">Upload the proof of address.</a>'
    ) in page
    assert "12 items are missing." in page


@pytest.mark.parametrize("field", REQUIRED_COMPANY_FIELDS)
def test_submitting_without_a_company_field_is_refused_naming_it(
    field, owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    complete_kyb(alice)
    assert owner_client.post(COMPANY_URL, company_data(**{field: ""})).status_code == 302
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    assert f'<a href="/kyb/company/#id_{field}">{REQUIRED_COMPANY_FIELDS[field]}</a>' in page
    assert page.count("Enter the ") == 1


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (DocumentKind.INCORPORATION, "Upload the certificate of incorporation."),
        (DocumentKind.PROOF_OF_ADDRESS, "Upload the proof of address."),
        (DocumentKind.DIRECTOR_ID, "Upload the ID of a director."),
    ],
)
def test_submitting_without_a_kind_of_document_is_refused_naming_it(
    kind, message, owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    submission = complete_kyb(alice)
    submission.documents.get(kind=kind).delete()
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    assert f"{message}</a>" in page


def test_submitting_without_a_director_is_refused(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    complete_kyb(alice)
    Director.objects.all().delete()
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    assert "Add at least one director.</a>" in page


def test_submitting_without_owners_is_refused_until_none_are_confirmed(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    complete_kyb(alice)
    BeneficialOwner.objects.all().delete()
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    assert "Add the beneficial owners, or confirm that no person owns 25 % or more.</a>" in page

    # The answer is the owners step's, saved by its Save and continue.
    response = owner_client.post(
        OWNERS_URL, {"no_beneficial_owners": "on", "action": "next", "go": ""}
    )
    assert response["Location"] == DIRECTORS_URL
    assert submission_of(alice).no_beneficial_owners
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(SUBMIT_URL).status_code == 302
    assert submission_of(alice).status == KybStatus.SUBMITTED


def test_owners_listed_and_none_confirmed_at_once_is_refused(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    complete_kyb(alice)
    owner_client.post(OWNERS_URL, {"no_beneficial_owners": "on", "action": "next"})
    page = refused_submission(owner_client, alice, mailoutbox, django_capture_on_commit_callbacks)
    assert (
        '<a href="/kyb/owners/#id_no_beneficial_owners">'
        "You listed beneficial owners and also confirmed there are none"
    ) in page


def test_a_complete_kyb_is_submitted_and_emailed(
    owner_client, alice, mailoutbox, django_capture_on_commit_callbacks, settings
):
    complete_kyb(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(SUBMIT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/go-live/"
    submission = submission_of(alice)
    assert submission.status == KybStatus.SUBMITTED
    assert submission.submitted_by == alice
    assert organization_of(alice).access_requests.get().status == AccessStatus.UNDER_REVIEW
    assert sorted(tuple(message.to) for message in mailoutbox) == sorted(
        [("alice@example.com",), (settings.CONSOLE_KYB_REVIEW_EMAIL,)]
    )
    assert all(message.subject.startswith("Console: ") for message in mailoutbox)
