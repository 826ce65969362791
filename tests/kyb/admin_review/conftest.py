"""Helpers and fixtures that several of tests/kyb/admin_review's test modules share."""

import re
from datetime import UTC, datetime

import pytest

from accounts.models import AuditEvent
from apps.models import App
from kyb import services
from kyb.models import KybReview, KybSubmission, ProductionAccessRequest
from products.models import Product, ProductionGrant
from tests.conftest import make_staff, organization_of
from tests.kyb.conftest import COMPANY, complete_kyb, submit_kyb

CHANGELIST = "/admin/kyb/kybsubmission/"
ACCESS_CHANGELIST = "/admin/kyb/productionaccessrequest/"
# The services' note rule, by the action or the change-page slug that needs a note.
NOTE_REQUIRED = {
    "request_changes": "Tell the organization what to change.",
    "request-changes": "Tell the organization what to change.",
    "reject": "Give the reason for the rejection.",
}
NORTHWIND = {
    **COMPANY,
    "legal_name": "Northwind Payments Ltd",
    "registration_number": "GB-07012345",
    "country": "GB",
}


def submit_as(user, **company) -> KybSubmission:
    """Steps 1 to 4, with these company details."""
    complete_kyb(user)
    organization = organization_of(user)
    services.kyb_company_update(organization=organization, updated_by=user, **company)
    return services.kyb_submit(organization=organization, submitted_by=user)


@pytest.fixture
def staff_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def alice_kyb(alice, catalog) -> KybSubmission:
    return submit_kyb(alice)


@pytest.fixture
def charlie_kyb(charlie, catalog) -> KybSubmission:
    return submit_as(charlie, **NORTHWIND)


def listed(response) -> list[str]:
    """The organizations in the changelist's rows."""
    assert response.status_code == 200
    return re.findall(
        r'<td class="field-organization nowrap">([^<]+)</td>', response.content.decode()
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in response.context["messages"]]


def confirm_page(client, action: str, *objects, url: str = CHANGELIST):
    """The first POST, as the changelist's "Go" button sends it: the intermediate page."""
    return client.post(
        url, {"action": action, "_selected_action": [obj.pk for obj in objects], "index": "0"}
    )


def apply(client, action: str, *objects, note: str = "", url: str = CHANGELIST):
    """The intermediate page's POST."""
    return client.post(
        url,
        {
            "action": action,
            "_selected_action": [obj.pk for obj in objects],
            "apply": "1",
            "note": note,
        },
    )


def decide(client, captured, action: str, *objects, note: str = "", url: str = CHANGELIST):
    """Open the intermediate page, then apply the decision; emails are sent on commit."""
    page = confirm_page(client, action, *objects, url=url)
    assert page.status_code == 200
    assert 'name="note"' in page.content.decode()
    with captured(execute=True):
        response = apply(client, action, *objects, note=note, url=url)
    return response


def history(submission: KybSubmission) -> list[tuple[str, str, str]]:
    return list(
        KybReview.objects.filter(submission=submission).values_list(
            "decision", "actor_email", "note"
        )
    )


def state(*submissions: KybSubmission) -> list:
    """Everything a review decision writes, to show that a refused one wrote nothing."""
    pks = [submission.pk for submission in submissions]
    return [
        list(KybSubmission.objects.filter(pk__in=pks).values_list("status", "reviewer_note")),
        KybReview.objects.filter(submission__in=pks).count(),
        list(ProductionAccessRequest.objects.values_list("status", flat=True)),
        ProductionGrant.objects.count(),
        AuditEvent.objects.count(),
    ]


def production_app_of(user) -> App:
    return App.objects.get(organization=organization_of(user), app_type=App.Type.PRODUCTION)


def scopes_of(*slugs: str) -> frozenset[str]:
    return frozenset(
        scope for product in Product.objects.filter(slug__in=slugs) for scope in product.scopes
    )


@pytest.fixture
def viewer_staff(make_user):
    """Staff who may view KYB submissions but not review them."""
    return make_staff(
        make_user, "auditor@tink.example", "view_kybsubmission", "view_productionaccessrequest"
    )


def change_url(submission) -> str:
    return f"{CHANGELIST}{submission.pk}/change/"


def buttons_on(page: str) -> dict[str, str]:
    """The decision buttons that lead somewhere: verb → URL."""
    return {
        verb: url
        for url, verb in re.findall(
            r'<a class="button(?: deletelink)?" href="([^"]+/review/[^"]+)">([^<]+)</a>', page
        )
    }


DECIDED_AT = datetime(2026, 12, 2, 14, 27, 5, tzinfo=UTC)
