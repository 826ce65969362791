"""Submitting locks the KYB.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

import pytest

from kyb.models import KybReview
from tests.kyb import files
from tests.kyb.conftest import submit_kyb, text
from tests.kyb.kyb_form.conftest import (
    COMPANY_URL,
    DIRECTORS_URL,
    DOCUMENTS_URL,
    KYB_URL,
    OWNERS_URL,
    REVIEW_URL,
    SUBMIT_URL,
    company_data,
    owner_data,
    stored_files,
    submission_of,
)

UNDER_REVIEW = "Your KYB is under review and can't be changed now."


def kyb_snapshot(alice) -> tuple:
    submission = submission_of(alice)
    return (
        submission.status,
        submission.legal_name,
        submission.registration_number,
        submission.country.code,
        list(submission.owners.values_list("full_name", "ownership")),
        list(submission.directors.values_list("full_name", flat=True)),
        sorted(str(pk) for pk in submission.documents.values_list("pk", flat=True)),
    )


def test_a_submitted_kyb_refuses_company_changes_with_a_clear_message(owner_client, alice):
    submit_kyb(alice)
    before = kyb_snapshot(alice)
    response = owner_client.post(COMPANY_URL, company_data(legal_name="Someone Else AB"))
    assert response.status_code == 400
    assert UNDER_REVIEW in text(response)
    assert kyb_snapshot(alice) == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (OWNERS_URL, owner_data(full_name="Bo Berg", ownership="30")),
        (DIRECTORS_URL, {"full_name": "Cy Carlsson", "nationality": "SE"}),
        (SUBMIT_URL, {}),
    ],
)
def test_a_submitted_kyb_refuses_every_other_change(url, data, owner_client, alice):
    submit_kyb(alice)
    before = kyb_snapshot(alice)
    response = owner_client.post(url, data)
    assert response.status_code == 400
    assert UNDER_REVIEW in text(response)
    assert kyb_snapshot(alice) == before
    assert KybReview.objects.count() == 1


def test_a_submitted_kyb_refuses_a_new_document(owner_client, alice):
    submit_kyb(alice)
    before, stored = kyb_snapshot(alice), stored_files()
    upload = files.upload("late.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": "director_id", "file": upload})
    assert response.status_code == 400
    assert UNDER_REVIEW in text(response)
    assert kyb_snapshot(alice) == before
    assert stored_files() == stored


def test_a_submitted_kyb_refuses_removals(owner_client, alice, django_capture_on_commit_callbacks):
    submission = submit_kyb(alice)
    before, stored = kyb_snapshot(alice), stored_files()
    owner = submission.owners.get()
    director = submission.directors.get()
    document = submission.documents.first()
    with django_capture_on_commit_callbacks(execute=True):
        for url in (
            f"/kyb/owners/{owner.pk}/remove/",
            f"/kyb/directors/{director.pk}/remove/",
            f"/kyb/documents/{document.pk}/remove/",
        ):
            response = owner_client.post(url, follow=True)
            assert UNDER_REVIEW in text(response), url
    assert kyb_snapshot(alice) == before
    assert stored_files() == stored


def test_a_submitted_kyb_is_shown_read_only(owner_client, alice):
    submit_kyb(alice)
    response = owner_client.get(KYB_URL, follow=True)
    assert response.redirect_chain == [(REVIEW_URL, 302)]
    page = text(response)
    assert "Status: <strong>Under review</strong>" in page
    assert "<dd>Alice Fintech AB</dd>" in page
    assert f'action="{COMPANY_URL}"' not in page
    assert f'action="{SUBMIT_URL}"' not in page
    assert f'action="{DOCUMENTS_URL}"' not in page
    for url in (COMPANY_URL, OWNERS_URL, DIRECTORS_URL, DOCUMENTS_URL):
        step = text(owner_client.get(url))
        assert "data-kyb-step" not in step, url  # no form
        assert "Remove" not in step and "Save and continue" not in step, url
    assert "<dd>556677-8899</dd>" in text(owner_client.get(COMPANY_URL))
    assert "17 May 1984" in text(owner_client.get(OWNERS_URL))
