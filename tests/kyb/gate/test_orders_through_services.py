"""Every order, through the services.

Part of tests.kyb.gate; the package's docstring says what its tests check.
"""

from collections.abc import Callable

import pytest

from accounts.models import User
from apps import services as app_services
from apps.models import App
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import DocumentKind
from products.models import GoLiveStep, Product
from products.services import StepMissing
from tests.conftest import contact_sales, organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY, OWNER
from tests.kyb.gate.conftest import (
    ORDER,
    ORDERS,
    USE_CASE,
    assert_road_holds,
    missing_before,
    order_id,
    recorded,
    refusal,
    road_of,
)


def service_calls(user: User, step: GoLiveStep, sandbox: App) -> list[Callable[[], object]]:
    """The service calls that take `step`, in the order a user makes them."""
    organization = organization_of(user)
    if step == GoLiveStep.CONTACT_SALES:
        return [lambda: contact_sales(user)]
    if step == GoLiveStep.PRODUCTION_APP:
        return [
            lambda: app_services.app_create(
                organization=organization,
                name="Alice live",
                display_name="Alice Fintech",
                app_type=App.Type.PRODUCTION,
                created_by=user,
            )
        ]
    if step == GoLiveStep.PRODUCTION_ACCESS:
        # Without a production app, the organization's sandbox app is the best a caller can do.
        apps = list(organization.apps.filter(app_type=App.Type.PRODUCTION)) or [sandbox]
        return [
            lambda: services.production_access_request(
                organization=organization,
                product=Product.objects.get(slug="transactions"),
                apps=apps,
                use_case=USE_CASE,
                requested_by=user,
            )
        ]
    documents = [
        lambda kind=kind: kyb_documents.kyb_document_add(
            organization=organization,
            uploaded_by=user,
            kind=kind,
            upload=files.upload(f"{kind}.pdf", files.pdf()),
        )
        for kind in DocumentKind
    ]
    return [
        lambda: services.kyb_company_update(organization=organization, updated_by=user, **COMPANY),
        lambda: services.beneficial_owner_add(organization=organization, added_by=user, **OWNER),
        lambda: services.director_add(
            organization=organization, added_by=user, full_name="Bo Berg", nationality="SE"
        ),
        *documents,
        lambda: services.kyb_submit(organization=organization, submitted_by=user),
    ]


@pytest.mark.parametrize("order", ORDERS, ids=order_id)
def test_a_service_takes_a_step_only_after_every_step_before_it(order, alice, sandbox_app):
    # A real app of the organization, just not a production one, for the refused requests.
    organization, sandbox = organization_of(alice), sandbox_app
    done: list[GoLiveStep] = []
    for step in order:
        missing = missing_before(step, done)
        before = recorded()
        for call in service_calls(alice, step, sandbox):
            if missing is None:
                call()
                continue
            with pytest.raises(StepMissing) as refused:
                call()
            assert refused.value.step == missing
            assert refused.value.code == "step_missing"
            assert refused.value.messages == [refusal(missing)]
        if missing is None:
            done.append(step)
            assert recorded() != before
        else:
            assert recorded() == before, f"{step.label} was refused but recorded something"
        road = road_of(organization)
        assert_road_holds(road)
        assert road.facts == [step in done for step in ORDER]
    assert done == list(ORDER[: len(done)])
