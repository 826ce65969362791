"""Documents, through the real upload view.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

import pytest

from kyb import documents as kyb_documents
from kyb.models import DocumentKind, KybDocument
from kyb.uploads import MAX_DOCUMENT_BYTES
from tests.kyb import files
from tests.kyb.conftest import text
from tests.kyb.kyb_form.conftest import DOCUMENTS_URL, stored_files

TOO_MANY_DOCUMENTS = "A KYB holds at most 10 documents. Remove one to add another."


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
