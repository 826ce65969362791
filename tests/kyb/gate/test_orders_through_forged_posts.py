"""Every order, through forged POSTs.

Part of tests.kyb.gate; the package's docstring says what its tests check.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from apps.models import App
from kyb.models import DocumentKind
from products.models import GoLiveStep, Product
from tests.conftest import organization_of
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


@dataclass
class Post:
    url: str
    data: dict
    # Where the page shows a refusal of this POST: the form's errors, or the submit errors.
    errors: Callable[[dict], list[str]]


def _non_field_errors(form_name: str) -> Callable[[dict], list[str]]:
    return lambda context: list(context[form_name].non_field_errors())


def forged_posts(user: User, step: GoLiveStep, sandbox: App) -> list[Post]:
    """The POSTs that take `step`, with valid data, as a script would send them at any time."""
    organization = organization_of(user)
    if step == GoLiveStep.CONTACT_SALES:
        data = {
            "company_name": "Alice Fintech AB",
            "work_email": user.email,
            "country": "SE",
            "website": "https://alice.example",
            "products": [Product.objects.get(slug="transactions").pk],
            "monthly_volume": "1k_10k",
            "message": "We would like to go live in the spring.",
        }
        return [Post(reverse("products:contact_sales"), data, _non_field_errors("form"))]
    if step == GoLiveStep.PRODUCTION_APP:
        data = {"name": "Alice live", "display_name": "Alice Fintech", "app_type": "production"}
        return [Post(reverse("apps:create"), data, _non_field_errors("form"))]
    if step == GoLiveStep.PRODUCTION_ACCESS:
        app = organization.apps.filter(app_type=App.Type.PRODUCTION).first() or sandbox
        url = reverse("kyb:production_access_request", args=["transactions"])
        return [Post(url, {"apps": [app.pk], "use_case": USE_CASE}, _non_field_errors("form"))]
    owner = {**OWNER, "date_of_birth": OWNER["date_of_birth"].isoformat()}
    documents = [
        Post(
            reverse("kyb:documents"),
            {"kind": kind, "file": files.upload(f"{kind}.pdf", files.pdf())},
            _non_field_errors("document_form"),
        )
        for kind in DocumentKind
    ]
    return [
        Post(reverse("kyb:company"), COMPANY, _non_field_errors("company_form")),
        Post(reverse("kyb:owners"), owner, _non_field_errors("owner_form")),
        Post(
            reverse("kyb:directors"),
            {"full_name": "Bo Berg", "nationality": "SE"},
            _non_field_errors("director_form"),
        ),
        *documents,
        Post(reverse("kyb:submit"), {}, lambda context: list(context["submit_errors"])),
    ]


@pytest.mark.parametrize("order", ORDERS, ids=order_id)
def test_a_forged_post_takes_a_step_only_after_every_step_before_it(
    order, alice, alice_client, sandbox_app
):
    organization, sandbox = organization_of(alice), sandbox_app
    done: list[GoLiveStep] = []
    for step in order:
        missing = missing_before(step, done)
        before = recorded()
        for post in forged_posts(alice, step, sandbox):
            response = alice_client.post(post.url, post.data)
            if missing is None:
                assert response.status_code == 302, (post.url, response.status_code)
                continue
            assert response.status_code in (200, 400), (post.url, response.status_code)
            assert post.errors(response.context) == [refusal(missing)], post.url
            assert escape(refusal(missing)) in response.content.decode()
        if missing is None:
            done.append(step)
            assert recorded() != before
        else:
            assert recorded() == before, f"a forged {step.label} recorded something"
        road = road_of(organization)
        assert_road_holds(road)
        assert road.facts == [step in done for step in ORDER]
    assert done == list(ORDER[: len(done)])
