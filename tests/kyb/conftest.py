"""An organization at each point of the road to production, built through the services."""

import html
from datetime import date
from decimal import Decimal

import pytest

from accounts.models import User
from apps.models import App
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import DocumentKind, KybSubmission, ProductionAccessRequest
from products.models import MonthlyVolume, Product
from tests.conftest import contact_sales, make_staff, organization_of
from tests.kyb import files

COMPANY = {
    "legal_name": "Alice Fintech AB",
    "registration_number": "556677-8899",
    "country": "SE",
    "registered_address": "Sveavägen 1, 111 57 Stockholm",
    "tax_id": "SE556677889901",
    "website": "https://alice.example",
    "industry": "payments",
    "monthly_volume": MonthlyVolume.UP_TO_10K,
}
OWNER = {
    "full_name": "Alice Andersson",
    "date_of_birth": date(1984, 5, 17),
    "nationality": "SE",
    "ownership": Decimal("60"),
}


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; turned back into characters)."""
    return html.unescape(response.content.decode())


def production_app(user: User, name: str = "Alice live") -> App:
    """Steps 1 and 2."""
    from apps import services as app_services

    organization = organization_of(user)
    if not organization.sales_contacts.exists():
        contact_sales(user)
    return app_services.app_create(
        organization=organization,
        name=name,
        display_name="Alice Fintech",
        app_type=App.Type.PRODUCTION,
        created_by=user,
    )


def request_access(user: User, *slugs: str) -> list[ProductionAccessRequest]:
    """Steps 1 to 3, for each product slug (transactions by default)."""
    organization = organization_of(user)
    app = App.objects.filter(organization=organization, app_type=App.Type.PRODUCTION).first()
    app = app or production_app(user)
    return [
        services.production_access_request(
            organization=organization,
            product=Product.objects.get(slug=slug),
            apps=[app],
            use_case="Categorise our customers' transactions.",
            requested_by=user,
        )
        for slug in slugs or ("transactions",)
    ]


def complete_kyb(user: User) -> KybSubmission:
    """A KYB draft with every part filled in (steps 1 to 3 first, if missing)."""
    organization = organization_of(user)
    if not organization.access_requests.exists():
        request_access(user)
    services.kyb_company_update(organization=organization, updated_by=user, **COMPANY)
    services.beneficial_owner_add(organization=organization, added_by=user, **OWNER)
    services.director_add(
        organization=organization, added_by=user, full_name="Bo Berg", nationality="SE"
    )
    for kind in DocumentKind:
        kyb_documents.kyb_document_add(
            organization=organization,
            uploaded_by=user,
            kind=kind,
            upload=files.upload(f"{kind}.pdf", files.pdf()),
        )
    return KybSubmission.objects.get(organization=organization)


def submit_kyb(user: User) -> KybSubmission:
    """Steps 1 to 4: the KYB is with the review team."""
    complete_kyb(user)
    return services.kyb_submit(organization=organization_of(user), submitted_by=user)


@pytest.fixture
def reviewer(make_user) -> User:
    """A staff member who may review KYB (not a superuser: the permission is what counts)."""
    return make_staff(
        make_user,
        "reviewer@tink.example",
        "review_kybsubmission",
        "view_kybsubmission",
        "view_productionaccessrequest",
    )


@pytest.fixture
def ready(alice, catalog):
    """Alice's organization has taken steps 1 to 3: its KYB is next."""
    request_access(alice)
    return organization_of(alice)


@pytest.fixture
def owner_client(client, alice, ready):
    client.force_login(alice)
    return client
