"""Helpers and fixtures that several of tests/kyb/kyb_form's test modules share."""

from pathlib import Path

from django.core.files.storage import storages

from kyb.models import KybSubmission
from tests.conftest import organization_of
from tests.kyb.conftest import COMPANY

KYB_URL = "/kyb/"
COMPANY_URL = "/kyb/company/"
OWNERS_URL = "/kyb/owners/"
DIRECTORS_URL = "/kyb/directors/"
DOCUMENTS_URL = "/kyb/documents/"
REVIEW_URL = "/kyb/review/"
SUBMIT_URL = "/kyb/submit/"


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


def submission_of(alice) -> KybSubmission:
    return KybSubmission.objects.get(organization=organization_of(alice))


def add_owner(client, **changes: str):
    return client.post(OWNERS_URL, owner_data(**changes))


def owner_errors(response) -> dict[str, list[str]]:
    return response.context["owner_form"].errors
