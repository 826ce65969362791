"""The KYB at /kyb/, a step per page: a draft until it is submitted, checked part by part,
complete before it can be submitted, locked while it is reviewed and open again when changes are
requested."""

import html
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone

from accounts.models import OutboundEmail
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import (
    AccessStatus,
    BeneficialOwner,
    Director,
    DocumentKind,
    KybDocument,
    KybReview,
    KybStatus,
    KybSubmission,
)
from kyb.uploads import MAX_DOCUMENT_BYTES
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY, complete_kyb, request_access, submit_kyb

KYB_URL = "/kyb/"
COMPANY_URL = "/kyb/company/"
OWNERS_URL = "/kyb/owners/"
DIRECTORS_URL = "/kyb/directors/"
DOCUMENTS_URL = "/kyb/documents/"
REVIEW_URL = "/kyb/review/"
SUBMIT_URL = "/kyb/submit/"

UNDER_REVIEW = "Your KYB is under review and can't be changed now."
NOT_SUBMITTABLE = "Your KYB can't be submitted yet:"
TOO_MANY_DOCUMENTS = "A KYB holds at most 10 documents. Remove one to add another."
OWNERSHIP_OVER_100 = "ownership can't add up to more than 100 %."
OWNERSHIP_RANGE = "Beneficial owners own 25 % or more: enter a percentage from 25 to 100."
COUNTRY = "Choose a country from the list."


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def company_data(**changes: str) -> dict[str, str]:
    return {**{field: str(value) for field, value in COMPANY.items()}, **changes}


def owner_data(**changes: str) -> dict[str, str]:
    return {
        "full_name": "Alice Andersson",
        "date_of_birth": "1984-05-17",
        "nationality": "SE",
        "ownership": "60",
        **changes,
    }


def stored_files() -> set[str]:
    """Every file in the KYB storage directory."""
    root = Path(storages["kyb"].location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def ready(alice, catalog):
    """Alice's organization has taken steps 1 to 3: its KYB is next."""
    request_access(alice)
    return organization_of(alice)


@pytest.fixture
def owner_client(client, alice, ready):
    client.force_login(alice)
    return client


def submission_of(alice) -> KybSubmission:
    return KybSubmission.objects.get(organization=organization_of(alice))


# Drafts


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


# Required fields at submission

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


# Beneficial owners: ownership


def add_owner(client, **changes: str):
    return client.post(OWNERS_URL, owner_data(**changes))


def owner_errors(response) -> dict[str, list[str]]:
    return response.context["owner_form"].errors


def test_owners_holding_more_than_100_percent_together_are_refused(owner_client, alice):
    assert add_owner(owner_client, ownership="60").status_code == 302
    response = add_owner(owner_client, full_name="Bo Berg", ownership="50")
    assert response.status_code == 400
    [message] = owner_errors(response)["ownership"]
    assert "110" in message
    assert message.endswith(OWNERSHIP_OVER_100)
    assert OWNERSHIP_OVER_100 in text(response)
    assert list(BeneficialOwner.objects.values_list("full_name", flat=True)) == ["Alice Andersson"]


def test_owners_holding_exactly_100_percent_together_are_accepted(owner_client, alice):
    assert add_owner(owner_client, ownership="60").status_code == 302
    assert add_owner(owner_client, full_name="Bo Berg", ownership="40").status_code == 302
    assert sorted(BeneficialOwner.objects.values_list("ownership", flat=True)) == [
        Decimal("40"),
        Decimal("60"),
    ]


def test_ownership_is_checked_to_the_hundredth(owner_client, alice):
    assert add_owner(owner_client, ownership="33.34").status_code == 302
    assert add_owner(owner_client, full_name="Bo Berg", ownership="33.33").status_code == 302
    response = add_owner(owner_client, full_name="Cy Carlsson", ownership="33.34")
    assert response.status_code == 400
    assert OWNERSHIP_OVER_100 in owner_errors(response)["ownership"][0]
    assert add_owner(owner_client, full_name="Cy Carlsson", ownership="33.33").status_code == 302
    assert BeneficialOwner.objects.count() == 3


@pytest.mark.parametrize("ownership", ["24.99", "0", "-30", "100.01"])
def test_ownership_outside_25_to_100_percent_is_refused(ownership, owner_client, alice):
    response = add_owner(owner_client, ownership=ownership)
    assert response.status_code == 400
    assert owner_errors(response)["ownership"]
    assert not BeneficialOwner.objects.exists()


def test_ownership_under_25_percent_is_refused_with_the_rule(owner_client, alice):
    response = add_owner(owner_client, ownership="24.99")
    assert owner_errors(response)["ownership"] == [OWNERSHIP_RANGE]
    assert OWNERSHIP_RANGE in text(response)


@pytest.mark.parametrize("ownership", ["25", "100"])
def test_ownership_of_25_and_100_percent_is_accepted(ownership, owner_client, alice):
    assert add_owner(owner_client, ownership=ownership).status_code == 302
    assert BeneficialOwner.objects.get().ownership == Decimal(ownership)


def test_the_service_refuses_ownership_over_100_percent_too(alice, ready):
    services.beneficial_owner_add(
        organization=ready,
        added_by=alice,
        full_name="Alice Andersson",
        date_of_birth=date(1984, 5, 17),
        nationality="SE",
        ownership=Decimal("60"),
    )
    with pytest.raises(services.ValidationError) as refused:
        services.beneficial_owner_add(
            organization=ready,
            added_by=alice,
            full_name="Bo Berg",
            date_of_birth=date(1980, 1, 1),
            nationality="SE",
            ownership=Decimal("50"),
        )
    assert OWNERSHIP_OVER_100 in refused.value.message_dict["ownership"][0]
    assert BeneficialOwner.objects.count() == 1


# Beneficial owners: date of birth


def days_from_today(days: int) -> str:
    return (timezone.now().date() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize("days", [0, 1, 365 * 20])
def test_a_date_of_birth_today_or_in_the_future_is_refused(days, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=days_from_today(days))
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"]
    assert not BeneficialOwner.objects.exists()


def test_a_date_of_birth_yesterday_is_accepted(owner_client, alice):
    assert add_owner(owner_client, date_of_birth=days_from_today(-1)).status_code == 302
    assert BeneficialOwner.objects.get().date_of_birth == timezone.now().date() - timedelta(1)


@pytest.mark.parametrize("born", ["1899-12-31", "1066-10-14", "0001-01-01"])
def test_a_date_of_birth_before_1900_is_refused(born, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=born)
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"] == ["Enter a date of birth after 1900."]
    assert not BeneficialOwner.objects.exists()


def test_a_date_of_birth_on_1_january_1900_is_accepted(owner_client, alice):
    assert add_owner(owner_client, date_of_birth="1900-01-01").status_code == 302
    assert BeneficialOwner.objects.get().date_of_birth == date(1900, 1, 1)


@pytest.mark.parametrize("born", ["17/05/1984", "1984-13-01", "yesterday", ""])
def test_a_date_of_birth_that_is_not_a_date_is_refused(born, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=born)
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"]
    assert not BeneficialOwner.objects.exists()


# ISO 3166 countries


@pytest.mark.parametrize("country", ["XX", "Sweden", "SWE", "EU"])
def test_a_country_of_registration_not_in_iso_3166_is_refused(country, owner_client, alice):
    owner_client.post(COMPANY_URL, company_data())
    response = owner_client.post(
        COMPANY_URL, company_data(country=country, legal_name="Changed AB")
    )
    assert response.status_code == 400
    assert response.context["company_form"].errors["country"] == [COUNTRY]
    assert COUNTRY in text(response)
    submission = submission_of(alice)
    assert (submission.country.code, submission.legal_name) == ("SE", "Alice Fintech AB")


def test_a_country_code_is_accepted(owner_client, alice):
    assert owner_client.post(COMPANY_URL, company_data(country="NO")).status_code == 302
    assert submission_of(alice).country.code == "NO"


@pytest.mark.parametrize("nationality", ["XX", "Sweden"])
def test_an_owners_nationality_not_in_iso_3166_is_refused(nationality, owner_client, alice):
    response = add_owner(owner_client, nationality=nationality)
    assert response.status_code == 400
    assert owner_errors(response)["nationality"] == [COUNTRY]
    assert not BeneficialOwner.objects.exists()
    assert add_owner(owner_client, nationality="SE").status_code == 302
    assert BeneficialOwner.objects.get().nationality.code == "SE"


@pytest.mark.parametrize("nationality", ["XX", "Sweden"])
def test_a_directors_nationality_not_in_iso_3166_is_refused(nationality, owner_client, alice):
    response = owner_client.post(
        DIRECTORS_URL, {"full_name": "Bo Berg", "nationality": nationality}
    )
    assert response.status_code == 400
    assert response.context["director_form"].errors["nationality"] == [COUNTRY]
    assert not Director.objects.exists()
    response = owner_client.post(DIRECTORS_URL, {"full_name": "Bo Berg", "nationality": "SE"})
    assert response.status_code == 302
    assert Director.objects.get().nationality.code == "SE"


@pytest.mark.parametrize("code", ["XX", "Sweden"])
def test_the_services_refuse_a_country_not_in_iso_3166(code, alice, ready):
    with pytest.raises(services.ValidationError) as refused:
        services.kyb_company_update(organization=ready, updated_by=alice, country=code)
    assert refused.value.message_dict == {"country": [COUNTRY]}
    with pytest.raises(services.ValidationError) as refused:
        services.beneficial_owner_add(
            organization=ready,
            added_by=alice,
            full_name="Alice Andersson",
            date_of_birth=date(1984, 5, 17),
            nationality=code,
            ownership=Decimal("60"),
        )
    assert refused.value.message_dict == {"nationality": [COUNTRY]}
    with pytest.raises(services.ValidationError) as refused:
        services.director_add(
            organization=ready, added_by=alice, full_name="Bo Berg", nationality=code
        )
    assert refused.value.message_dict == {"nationality": [COUNTRY]}
    assert not BeneficialOwner.objects.exists()
    assert not Director.objects.exists()


# Documents, through the real upload view

WRONG_TYPE = "Upload a PDF, PNG or JPEG file; this file is none of them."
TRAILING = "This file has extra data after its end; export it again and upload the new copy."
MARKUP = "This file contains web page code; upload a plain PDF, PNG or JPEG."
EMPTY = "This file is empty."
TOO_LARGE = "This file is larger than 10 MB."

REFUSED_UPLOADS = {
    "a renamed exe": ("passport.pdf", files.exe, "application/pdf", WRONG_TYPE),
    "an html file named pdf": ("certificate.pdf", files.html, "application/pdf", WRONG_TYPE),
    "html behind a pdf header": (
        "certificate.pdf",
        lambda: b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
        "application/pdf",
        MARKUP,
    ),
    "a png with html appended": ("address.png", files.png_with_html, "image/png", TRAILING),
    "an svg": ("address.svg", files.svg, "image/svg+xml", WRONG_TYPE),
    "an svg named png": ("address.png", files.svg, "image/png", WRONG_TYPE),
    "a zip": ("documents.zip", files.zip_file, "application/zip", WRONG_TYPE),
    "an empty file": ("empty.pdf", lambda: b"", "application/pdf", EMPTY),
    "10 MB and 1 byte": (
        "large.pdf",
        lambda: files.pdf(MAX_DOCUMENT_BYTES + 1),
        "application/pdf",
        TOO_LARGE,
    ),
}


@pytest.mark.parametrize("case", REFUSED_UPLOADS)
def test_an_upload_that_is_not_a_whole_pdf_png_or_jpeg_is_refused_and_nothing_is_stored(
    case, owner_client, alice
):
    name, make, content_type, message = REFUSED_UPLOADS[case]
    before = stored_files()
    response = owner_client.post(
        DOCUMENTS_URL, {"kind": "incorporation", "file": files.upload(name, make(), content_type)}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert message in response.context["document_form"].errors.get("__all__", []) + (
        response.context["document_form"].errors.get("file", [])
    )
    assert not KybDocument.objects.exists()
    assert stored_files() == before


def test_a_request_body_far_over_10_mb_is_refused_before_it_is_read(owner_client, alice):
    before = stored_files()
    data = files.pdf(MAX_DOCUMENT_BYTES + 128 * 1024)
    response = owner_client.post(
        DOCUMENTS_URL, {"kind": "incorporation", "file": files.upload("large.pdf", data)}
    )
    assert response.status_code == 413
    assert TOO_LARGE in text(response)
    assert not KybDocument.objects.exists()
    assert stored_files() == before


def test_exactly_10_mb_of_a_valid_pdf_is_accepted_and_stored_once(owner_client, alice):
    before = stored_files()
    data = files.pdf(10 * 1024 * 1024)
    response = owner_client.post(
        DOCUMENTS_URL, {"kind": "incorporation", "file": files.upload("certificate.pdf", data)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/kyb/documents/#step"
    document = KybDocument.objects.get()
    assert (document.kind, document.content_type, document.size) == (
        "incorporation",
        "application/pdf",
        10 * 1024 * 1024,
    )
    assert stored_files() - before == {document.storage_name}
    assert kyb_documents.kyb_document_read(document=document) == data


def test_the_browsers_content_type_and_file_name_are_ignored(owner_client, alice):
    upload = files.upload("address.pdf", files.png(), "application/pdf")
    response = owner_client.post(DOCUMENTS_URL, {"kind": "proof_of_address", "file": upload})
    assert response.status_code == 302
    document = KybDocument.objects.get()
    assert document.content_type == "image/png"
    assert "address" not in document.storage_name
    assert document.download_name.endswith(".png")
    assert document.original_name == "address.pdf"  # shown as the uploader named it


@pytest.mark.parametrize("kind", ["", "passport"])
def test_an_upload_without_a_known_kind_is_refused(kind, owner_client, alice):
    before = stored_files()
    upload = files.upload("certificate.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": kind, "file": upload})
    assert response.status_code == 400
    assert "Choose which document this is." in text(response)
    assert not KybDocument.objects.exists()
    assert stored_files() == before


def test_a_kyb_holds_at_most_10_documents(owner_client, alice, ready):
    for number in range(9):
        kyb_documents.kyb_document_add(
            organization=ready,
            uploaded_by=alice,
            kind=DocumentKind.DIRECTOR_ID,
            upload=files.upload(f"id-{number}.pdf", files.pdf()),
        )
    upload = files.upload("tenth.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": "director_id", "file": upload})
    assert response.status_code == 302
    assert KybDocument.objects.count() == 10

    before = stored_files()
    upload = files.upload("eleventh.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": "director_id", "file": upload})
    assert response.status_code == 400
    assert TOO_MANY_DOCUMENTS in text(response)
    assert KybDocument.objects.count() == 10
    assert stored_files() == before


def test_removing_a_document_makes_room_and_deletes_its_file(
    owner_client, alice, ready, django_capture_on_commit_callbacks
):
    for number in range(10):
        kyb_documents.kyb_document_add(
            organization=ready,
            uploaded_by=alice,
            kind=DocumentKind.DIRECTOR_ID,
            upload=files.upload(f"id-{number}.pdf", files.pdf()),
        )
    first = KybDocument.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/kyb/documents/{first.pk}/remove/")
    assert response.status_code == 302
    assert not KybDocument.objects.filter(pk=first.pk).exists()
    assert first.storage_name not in stored_files()
    upload = files.upload("replacement.pdf", files.pdf())
    response = owner_client.post(DOCUMENTS_URL, {"kind": "director_id", "file": upload})
    assert response.status_code == 302
    assert KybDocument.objects.count() == 10


# Submitting locks the KYB


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


# Changes requested: the note, editing, resubmitting

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
