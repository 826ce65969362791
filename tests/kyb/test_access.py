"""Who sees and changes a KYB: its organization's owners and admins; staff who may review KYB
see its documents; developers and viewers see the catalog and the checklist only; another
organization sees nothing of it (404); an anonymous visitor is sent to log in."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import OutboundEmail, User
from kyb import documents as kyb_documents
from kyb.models import (
    AccessStatus,
    BeneficialOwner,
    Director,
    KybDocument,
    KybStatus,
    KybSubmission,
)
from tests.conftest import make_staff, organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY, complete_kyb, production_app, request_access

USE_CASE = "Categorise our customers' transactions."
ROLES_WITHOUT_KYB = ["developer", "viewer"]
ONLY_MANAGERS = "Only owners and admins of your organization take these steps."


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download_url(document: KybDocument) -> str:
    return reverse("kyb:document_download", args=[document.pk])


def request_access_url(slug: str = "transactions") -> str:
    return reverse("kyb:production_access_request", args=[slug])


@pytest.fixture
def kyb(alice, catalog) -> KybSubmission:
    """Alice's organization has a complete KYB draft, with three PDF documents."""
    return complete_kyb(alice)


@pytest.fixture
def document(kyb) -> KybDocument:
    return kyb.documents.get(kind="incorporation")


def kyb_snapshot(organization) -> tuple:
    submission = KybSubmission.objects.get(organization=organization)
    return (
        submission.status,
        submission.legal_name,
        submission.registration_number,
        list(submission.owners.values_list("full_name", flat=True)),
        list(submission.directors.values_list("full_name", flat=True)),
        sorted(str(pk) for pk in submission.documents.values_list("pk", flat=True)),
        list(submission.reviews.values_list("decision", flat=True)),
    )


# The owner's download


def test_the_owner_downloads_a_document_as_an_attachment_with_the_original_bytes(alice, document):
    response = logged_in(alice).get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="incorporation-{str(document.pk)[:8]}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content == files.pdf()


def test_a_download_has_the_sniffed_type_and_a_server_made_name(alice, kyb):
    png = files.png()
    document = kyb_documents.kyb_document_add(
        organization=organization_of(alice),
        uploaded_by=alice,
        kind="proof_of_address",
        upload=files.upload('../evil" name.html', png, "text/html"),
    )
    response = logged_in(alice).get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="proof-of-address-{str(document.pk)[:8]}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == png


def test_an_admin_of_the_organization_sees_the_kyb_and_downloads_its_documents(
    alice, document, add_member
):
    admin = logged_in(add_member(organization_of(alice), "admin"))
    assert admin.get("/kyb/", follow=True).status_code == 200
    response = admin.get(download_url(document))
    assert response.status_code == 200
    assert response.content == files.pdf()


def test_an_admin_of_the_organization_may_edit_the_kyb(alice, kyb, add_member):
    admin = logged_in(add_member(organization_of(alice), "admin"))
    response = admin.post("/kyb/company/", {**COMPANY, "legal_name": "Alice Fintech Group AB"})
    assert response.status_code == 302
    assert KybSubmission.objects.get(pk=kyb.pk).legal_name == "Alice Fintech Group AB"


# Outsiders: another organization's KYB, requests and documents


def test_an_outsider_gets_404_on_another_organizations_document(charlie, document):
    response = logged_in(charlie).get(download_url(document))
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert "Content-Disposition" not in response


def test_a_document_that_does_not_exist_is_404(alice, kyb):
    response = logged_in(alice).get("/kyb/documents/00000000-0000-4000-8000-000000000000/download/")
    assert response.status_code == 404


def test_an_outsider_sees_their_own_empty_kyb_not_another_organizations(charlie, kyb):
    response = logged_in(charlie).get("/kyb/", follow=True)
    assert response.status_code == 200
    assert response.context["submission"] is None
    page = response.content.decode()
    for secret in ("Alice Fintech", "Alice Andersson", "Bo Berg", "/kyb/documents/"):
        assert secret not in page
    assert "Contact sales first." in page


def test_an_outsider_at_the_kyb_step_sees_only_their_own_draft(charlie, kyb):
    request_access(charlie)
    response = logged_in(charlie).get("/kyb/review/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Fintech" not in page
    assert "Alice Andersson" not in page
    assert "No beneficial owners added." in page
    assert "No documents uploaded." in page


def test_an_outsider_does_not_see_another_organizations_access_requests(charlie, kyb):
    client = logged_in(charlie)
    products = client.get("/products/")
    rows = {row.product.slug: row.status for row in products.context["rows"]}
    assert set(rows.values()) == {"not_requested"}
    request_page = client.get(request_access_url())
    assert request_page.context["access"] is None
    assert USE_CASE not in request_page.content.decode()
    go_live = client.get("/go-live/")
    assert go_live.context["go_live"].kyb_status is None


def test_an_outsider_cannot_remove_another_organizations_owners_directors_or_documents(
    alice, charlie, kyb, django_capture_on_commit_callbacks
):
    request_access(charlie)  # so the KYB step is open to charlie's organization
    before = kyb_snapshot(organization_of(alice))
    client = logged_in(charlie)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/kyb/owners/{kyb.owners.get().pk}/remove/")
        client.post(f"/kyb/directors/{kyb.directors.get().pk}/remove/")
        for document in kyb.documents.all():
            client.post(f"/kyb/documents/{document.pk}/remove/")
    assert kyb_snapshot(organization_of(alice)) == before
    for document in kyb.documents.all():
        assert kyb_documents.kyb_document_read(document=document) == files.pdf()


def test_an_outsider_cannot_submit_another_organizations_kyb(alice, charlie, kyb):
    request_access(charlie)
    response = logged_in(charlie).post("/kyb/submit/")
    assert response.status_code == 400
    assert KybSubmission.objects.get(pk=kyb.pk).status == KybStatus.DRAFT


# Developers and viewers of the organization

KYB_POSTS = [
    ("/kyb/company/", {**COMPANY, "legal_name": "Mallory AB"}),
    (
        "/kyb/owners/",
        {
            "full_name": "Mallory",
            "date_of_birth": "1990-01-01",
            "nationality": "SE",
            "ownership": "30",
        },
    ),
    ("/kyb/directors/", {"full_name": "Mallory", "nationality": "SE"}),
    ("/kyb/submit/", {}),
]


@pytest.mark.parametrize("role", ROLES_WITHOUT_KYB)
def test_developers_and_viewers_get_403_on_the_kyb_page(role, alice, kyb, add_member):
    client = logged_in(add_member(organization_of(alice), role))
    response = client.get("/kyb/")
    assert response.status_code == 403
    assert "Alice Andersson" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES_WITHOUT_KYB)
@pytest.mark.parametrize(("url", "data"), KYB_POSTS)
def test_developers_and_viewers_get_403_on_kyb_changes(
    role, url, data, alice, kyb, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    client = logged_in(add_member(organization_of(alice), role))
    before = kyb_snapshot(organization_of(alice))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 403
    assert kyb_snapshot(organization_of(alice)) == before
    assert mailoutbox == []


@pytest.mark.parametrize("role", ROLES_WITHOUT_KYB)
def test_developers_and_viewers_get_403_on_uploads_and_removals(role, alice, kyb, add_member):
    client = logged_in(add_member(organization_of(alice), role))
    before = kyb_snapshot(organization_of(alice))
    upload = files.upload("extra.pdf", files.pdf())
    assert client.post("/kyb/documents/", {"kind": "director_id", "file": upload}).status_code == (
        403
    )
    for url in (
        f"/kyb/owners/{kyb.owners.get().pk}/remove/",
        f"/kyb/directors/{kyb.directors.get().pk}/remove/",
        f"/kyb/documents/{kyb.documents.first().pk}/remove/",
    ):
        assert client.post(url).status_code == 403, url
    assert kyb_snapshot(organization_of(alice)) == before
    assert BeneficialOwner.objects.count() == Director.objects.count() == 1


@pytest.mark.parametrize("role", ROLES_WITHOUT_KYB)
def test_developers_and_viewers_get_404_on_a_document_download(role, alice, document, add_member):
    client = logged_in(add_member(organization_of(alice), role))
    response = client.get(download_url(document))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_a_viewer_cannot_submit_the_kyb(
    alice, kyb, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    viewer = logged_in(add_member(organization_of(alice), "viewer"))
    emails_before = OutboundEmail.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.post("/kyb/submit/")
    assert response.status_code == 403
    submission = KybSubmission.objects.get(pk=kyb.pk)
    assert submission.status == KybStatus.DRAFT
    assert submission.submitted_at is None
    assert not submission.reviews.exists()
    assert organization_of(alice).access_requests.get().status == AccessStatus.REQUESTED
    assert mailoutbox == []
    assert OutboundEmail.objects.count() == emails_before


def test_the_owner_sees_the_request_production_access_button(alice, catalog):
    production_app(alice)
    page = logged_in(alice).get("/products/").content.decode()
    assert f'href="{request_access_url()}"' in page
    assert "Request production access to Transactions" in page


@pytest.mark.parametrize("role", ROLES_WITHOUT_KYB)
def test_developers_and_viewers_see_products_and_go_live_without_taking_steps(
    role, alice, catalog, add_member
):
    production_app(alice)
    client = logged_in(add_member(organization_of(alice), role))

    products = client.get("/products/")
    assert products.status_code == 200
    page = products.content.decode()
    assert "Transactions" in page
    assert "/request-access/" not in page
    assert "Request production access to" not in page

    go_live = client.get("/go-live/")
    assert go_live.status_code == 200
    page = go_live.content.decode()
    assert "/request-access/" not in page
    assert ONLY_MANAGERS in page

    assert client.get(request_access_url()).status_code == 403
    response = client.post(request_access_url(), {"use_case": "Sneaking in."})
    assert response.status_code == 403
    assert not organization_of(alice).access_requests.exists()


# Anonymous visitors

ANONYMOUS_PAGES = [
    ("get", "/products/"),
    ("get", "/go-live/"),
    ("get", "/kyb/"),
    ("post", "/kyb/company/"),
    ("post", "/kyb/submit/"),
    ("post", "/kyb/documents/"),
]


@pytest.mark.parametrize(("method", "url"), ANONYMOUS_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(method, url, client, kyb):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert KybSubmission.objects.get(pk=kyb.pk).status == KybStatus.DRAFT


def test_an_anonymous_visitor_gets_no_document(client, document):
    response = client.get(download_url(document))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert b"%PDF" not in response.content


# Staff


def staff_user(make_user, *codenames: str) -> User:
    return make_staff(make_user, "staff@tink.example", *codenames)


def test_staff_who_may_view_kyb_download_any_organizations_document(reviewer, document):
    response = logged_in(reviewer).get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == files.pdf()


def test_staff_with_only_the_view_permission_download_a_document(make_user, document):
    staff = staff_user(make_user, "view_kybsubmission")
    assert logged_in(staff).get(download_url(document)).status_code == 200


def test_staff_without_the_kyb_permission_get_404_on_a_document(make_user, document):
    staff = staff_user(make_user, "view_productionaccessrequest")
    response = logged_in(staff).get(download_url(document))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_the_permission_without_staff_status_gives_no_document(make_user, document):
    user = make_user("former-staff@tink.example", organization=None)
    user.user_permissions.add(Permission.objects.get(codename="view_kybsubmission"))
    assert logged_in(User.objects.get(pk=user.pk)).get(download_url(document)).status_code == 404


def test_staff_without_the_kyb_permission_cannot_open_submissions_in_the_admin(make_user, kyb):
    staff = staff_user(make_user, "view_productionaccessrequest")
    response = logged_in(staff).get("/admin/kyb/kybsubmission/")
    assert response.status_code == 403


# The admin is for staff only


@pytest.mark.parametrize("url", ["/admin/", "/admin/kyb/kybsubmission/"])
def test_a_non_staff_user_cannot_reach_the_admin(url, alice, kyb):
    client = logged_in(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("admin:login")
    assert client.get(response["Location"]).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_console_log_in_for_the_admin(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain
    assert urlsplit(response.redirect_chain[-1][0]).path == reverse("account_login")
    assert response.status_code == 200
