"""Products, production access requests and the Go live checklist, as the pages show them.

One state machine (kyb.gate) drives every page: at each point of the road to production the
Go live checklist, Products, KYB and the create-app page say the same thing.
"""

import html
import re

import pytest
from django.test import Client

from accounts.models import AuditEvent
from apps.models import App
from kyb import gate, services
from kyb.models import AccessStatus, ProductionAccessRequest
from products.models import GoLiveStep, Product
from tests.conftest import contact_sales, organization_of
from tests.kyb.conftest import production_app, request_access, submit_kyb

pytestmark = pytest.mark.django_db

PRODUCTS = "/products/"
GO_LIVE = "/go-live/"
KYB = "/kyb/"
KYB_COMPANY = "/kyb/company/"
CREATE_APP = "/apps/new/"
REQUEST = "/products/{}/request-access/"
USE_CASE = "Show our customers their spending by category."
CHOOSE_OWN_APPS = "Choose only production apps of your organization."

CATALOG = [
    "Account Check",
    "Business Account Check",
    "Balance Check",
    "Transactions",
    "Business Transactions",
    "Income Check",
    "Expense Check",
    "Risk Insights",
    "Payment Initiation",
    "Variable Recurring Payments",
    "Finance Management",
]


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def main(page: str) -> str:
    """The page's own content, without the top bar's app menu."""
    return page.split('<main id="main"', 1)[1]


def row(page: str, slug: str) -> str:
    match = re.search(rf'<tr id="product-{slug}">(.*?)</tr>', page, re.S)
    assert match, slug
    return match.group(1)


def status_of(page: str, slug: str) -> str:
    return re.search(r'<span class="status status--\w+">([^<]+)</span>', row(page, slug)).group(1)


def checklist(page: str) -> list[tuple[str, str]]:
    """The Go live checklist as (state, label) pairs, in the page's order."""
    return re.findall(
        r'<span class="checklist__state">([^<]+)</span>\s*'
        r'<span class="checklist__label">(?:<a href="[^"]*">)?([^<]+)',
        page,
    )


def request_form(client, slug: str = "transactions", **changes):
    data = {"apps": [], "use_case": USE_CASE}
    data.update(changes)
    return client.post(REQUEST.format(slug), data)


def alice_live(alice) -> App:
    return App.objects.get(organization=organization_of(alice), app_type=App.Type.PRODUCTION)


# --- The catalog ----------------------------------------------------------------------------


def test_the_navigation_links_to_products(alice_client, catalog):
    assert re.search(r'<a href="/products/"\s*>Products</a>', page_of(alice_client, "/apps/"))
    page = page_of(alice_client, PRODUCTS)
    assert '<a href="/products/" aria-current="page">Products</a>' in page


def test_products_lists_the_whole_catalog_with_descriptions_scopes_and_sandbox(
    alice_client, catalog
):
    page = page_of(alice_client, PRODUCTS)
    assert "<h1>Products</h1>" in page
    assert re.findall(r'<th scope="row" data-label="Product"><strong>([^<]+)</strong>', page) == (
        CATALOG
    )
    for product in Product.objects.all():
        cells = row(page, product.slug)
        assert f'<span class="muted">{html.escape(product.description)}</span>' in cells
        assert re.findall(r"<code>([^<]+)</code>", cells) == product.scopes
        assert product.scopes, product.slug
        assert '<td data-label="Sandbox">Available in sandbox</td>' in cells
        assert status_of(page, product.slug) == "Not requested"
    assert page.count("Available in sandbox") == 11


def test_the_production_status_of_each_product_follows_the_review(
    alice_client, alice, reviewer, catalog
):
    def statuses() -> dict[str, str]:
        page = page_of(alice_client, PRODUCTS)
        return {slug: status_of(page, slug) for slug in ("transactions", "balance-check")}

    assert statuses() == {"transactions": "Not requested", "balance-check": "Not requested"}
    request_access(alice, "transactions")
    assert statuses() == {"transactions": "Requested", "balance-check": "Not requested"}
    submission = submit_kyb(alice)
    assert statuses() == {"transactions": "Under review", "balance-check": "Not requested"}
    services.kyb_submission_request_changes(
        submission=submission, reviewer=reviewer, note="A clearer document, please."
    )
    assert statuses() == {"transactions": "Changes requested", "balance-check": "Not requested"}
    request_access(alice, "balance-check")
    assert statuses() == {"transactions": "Changes requested", "balance-check": "Requested"}
    services.kyb_submit(organization=organization_of(alice), submitted_by=alice)
    assert statuses() == {"transactions": "Under review", "balance-check": "Under review"}
    services.kyb_submission_approve(submission=submission, reviewer=reviewer)
    assert statuses() == {"transactions": "Approved", "balance-check": "Approved"}


def test_a_rejected_kyb_shows_its_products_rejected(alice_client, alice, reviewer, catalog):
    submission = submit_kyb(alice)
    services.kyb_submission_reject(submission=submission, reviewer=reviewer, note="No.")
    assert status_of(page_of(alice_client, PRODUCTS), "transactions") == "Rejected"


def test_another_organizations_requests_do_not_show(alice_client, charlie, catalog):
    request_access(charlie, "transactions")
    assert status_of(page_of(alice_client, PRODUCTS), "transactions") == "Not requested"


@pytest.mark.parametrize(
    ("role", "offered"), [("admin", True), ("developer", False), ("viewer", False)]
)
def test_only_owners_and_admins_are_offered_request_production_access(
    client, alice, add_member, catalog, role, offered
):
    production_app(alice)  # Products is unlocked: the button is a link, for those offered it
    client.force_login(add_member(organization_of(alice), role))
    page = page_of(client, PRODUCTS)
    link = 'href="/products/transactions/request-access/"'
    assert (link in page) is offered
    assert ("Request production access</a>" in page) is offered
    assert status_of(page, "transactions") == "Not requested"  # everyone sees the status
    expected = 200 if offered else 403
    assert client.get(REQUEST.format("transactions")).status_code == expected


def test_a_requested_product_is_no_longer_offered_for_a_request(alice_client, alice, catalog):
    request_access(alice, "transactions")
    page = page_of(alice_client, PRODUCTS)
    assert "request-access" not in row(page, "transactions")
    assert 'href="/products/balance-check/request-access/"' in row(page, "balance-check")


@pytest.mark.parametrize(
    ("stage", "label", "url"),
    [
        ("nothing", "Contact sales", "/contact-sales/"),
        ("contacted", "Create a production app", "/apps/new/?type=production"),
    ],
)
def test_before_a_production_app_products_says_which_step_is_missing(
    alice_client, alice, catalog, stage, label, url
):
    if stage == "contacted":
        contact_sales(alice)
    page = page_of(alice_client, PRODUCTS)
    assert (
        f"Requesting production access is locked: <strong>{label} first.</strong> "
        f'<a href="{url}">{label}</a>' in page
    )
    # Every product's button is shown disabled, with the reason beside it (issue 12, point 4).
    for slug in ("transactions", "balance-check"):
        cells = row(page, slug)
        assert re.search(r"<button [^>]*disabled[^>]*>Request production access</button>", cells)
        assert f'<p class="locked-reason" id="locked-{slug}">{label} first.</p>' in cells
        assert "request-access" not in cells
    form = page_of(alice_client, REQUEST.format("transactions"))
    assert f"<strong>{label} first.</strong>" in form
    assert f'<a href="{url}">{label}</a>' in form
    assert 'name="use_case"' not in form


def test_once_a_production_app_exists_products_is_unlocked(alice_client, alice, catalog):
    production_app(alice)
    assert "production-locked" not in page_of(alice_client, PRODUCTS)


# --- Requesting production access -----------------------------------------------------------


@pytest.fixture
def apps(alice, charlie, make_app, catalog) -> dict[str, App]:
    """Alice's sandbox and production apps, and charlie's production app."""
    return {
        "sandbox": make_app(alice, name="Alice try"),
        "live": production_app(alice, "Alice live"),
        "second": production_app(alice, "Alice live 2"),
        "charlie": production_app(charlie, "Charlie live"),
    }


def test_the_request_form_lists_only_the_organizations_production_apps(alice_client, apps):
    page = main(page_of(alice_client, REQUEST.format("transactions")))
    assert "<h1>Request production access to Transactions</h1>" in page
    offered = re.findall(r'name="apps" value="(\d+)"', page)
    assert sorted(offered) == sorted([str(apps["live"].pk), str(apps["second"].pk)])
    assert f"Alice live ({apps['live'].client_id})" in page
    assert "Alice try" not in page and "Charlie live" not in page
    assert ">Use case</label>" in page
    assert ">Request production access</button>" in page


def test_a_valid_request_is_recorded_and_shown_as_requested(alice_client, alice, apps):
    response = request_form(alice_client, apps=[apps["live"].pk, apps["second"].pk])
    assert response.status_code == 302
    assert response["Location"] == PRODUCTS
    access = ProductionAccessRequest.objects.get()
    assert (access.product.slug, access.status, access.use_case) == (
        "transactions",
        AccessStatus.REQUESTED,
        USE_CASE,
    )
    assert set(access.apps.all()) == {apps["live"], apps["second"]}
    assert access.requested_by == alice
    event = AuditEvent.objects.get(action=AuditEvent.Action.PRODUCTION_ACCESS_REQUEST)
    assert event.actor == alice
    assert event.details["product"] == "transactions"
    page = page_of(alice_client, PRODUCTS)
    assert (
        'Production access to Transactions is requested. <a href="/kyb/">Next, complete KYB.</a>'
        in page
    )
    assert status_of(page, "transactions") == "Requested"


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (["charlie"], CHOOSE_OWN_APPS),
        (["sandbox"], CHOOSE_OWN_APPS),
        (["live", "charlie"], CHOOSE_OWN_APPS),
        (["live", "sandbox"], CHOOSE_OWN_APPS),
        ([], "Choose the production app or apps this access is for."),
    ],
)
def test_a_request_for_apps_that_are_not_the_organizations_production_apps_is_refused(
    alice_client, apps, chosen, message
):
    response = request_form(alice_client, apps=[apps[name].pk for name in chosen])
    assert response.status_code == 400
    assert html.escape(message) in response.content.decode()
    assert not ProductionAccessRequest.objects.exists()
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.PRODUCTION_ACCESS_REQUEST
    ).exists()


@pytest.mark.parametrize(
    "value",
    [
        "999999",
        "abc",
        "1e5",
        "\x00",
        # Beyond a 64-bit id: SQLite raised OverflowError on them.
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
    ],
)
def test_a_request_for_an_unknown_app_is_refused(alice_client, apps, value):
    response = request_form(alice_client, apps=[value])
    assert response.status_code == 400
    assert CHOOSE_OWN_APPS in html.unescape(response.content.decode())
    assert not ProductionAccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("use_case", "message"),
    [
        ("", "Tell us what you will use the product for."),
        ("  \n ", "Tell us what you will use the product for."),
        ("x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)
def test_a_request_needs_a_use_case(alice_client, apps, use_case, message):
    response = request_form(alice_client, apps=[apps["live"].pk], use_case=use_case)
    assert response.status_code == 400
    assert html.escape(message) in response.content.decode()
    assert not ProductionAccessRequest.objects.exists()


def test_requesting_the_same_product_twice_is_refused(alice_client, apps):
    assert request_form(alice_client, apps=[apps["live"].pk]).status_code == 302
    page = page_of(alice_client, REQUEST.format("transactions"))
    assert '<span class="status status--requested">Requested</span>' in page
    assert "You requested production access to Transactions on " in page
    assert '<a href="/kyb/">Next, complete KYB.</a>' in page
    assert 'name="use_case"' not in page
    again = request_form(alice_client, apps=[apps["second"].pk], use_case="Again")
    assert again.status_code == 400
    assert "already requested" in again.content.decode()
    assert ProductionAccessRequest.objects.get().use_case == USE_CASE


def test_a_forged_request_before_a_production_app_names_the_missing_step(
    alice_client, alice, make_app, catalog
):
    contact_sales(alice)
    sandbox = make_app(alice)
    response = request_form(alice_client, apps=[sandbox.pk])
    assert response.status_code == 400
    assert "Create a production app first." in response.content.decode()
    assert not ProductionAccessRequest.objects.exists()


def test_an_unknown_product_is_404(alice_client, apps):
    assert alice_client.get(REQUEST.format("no-such-product")).status_code == 404
    assert request_form(alice_client, "no-such-product", apps=[apps["live"].pk]).status_code == 404


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_cannot_post_a_request(client, alice, add_member, apps, role):
    client.force_login(add_member(organization_of(alice), role))
    assert request_form(client, apps=[apps["live"].pk]).status_code == 403
    assert not ProductionAccessRequest.objects.exists()


# --- The same state drives every page -------------------------------------------------------


def _submitted(alice, reviewer):
    return submit_kyb(alice)


STAGES = {
    "nothing": lambda alice, reviewer: None,
    "step 1": lambda alice, reviewer: contact_sales(alice),
    "step 2": lambda alice, reviewer: production_app(alice),
    "step 3": lambda alice, reviewer: request_access(alice),
    "step 4 submitted": _submitted,
    "changes requested": lambda alice, reviewer: services.kyb_submission_request_changes(
        submission=_submitted(alice, reviewer), reviewer=reviewer, note="Please fix."
    ),
    "approved": lambda alice, reviewer: services.kyb_submission_approve(
        submission=_submitted(alice, reviewer), reviewer=reviewer
    ),
    "rejected": lambda alice, reviewer: services.kyb_submission_reject(
        submission=_submitted(alice, reviewer), reviewer=reviewer, note="No."
    ),
}
D, N, L = "Done", "Next", "Locked"
# stage: (checklist states, the Review section's text, the transactions row's status)
EXPECTED = {
    "nothing": ((N, L, L, L), "Not started", "Not requested"),
    "step 1": ((D, N, L, L), "Not started", "Not requested"),
    "step 2": ((D, D, N, L), "Not started", "Not requested"),
    "step 3": ((D, D, D, N), "Not started", "Requested"),
    "step 4 submitted": ((D, D, D, D), "Under review.", "Under review"),
    "changes requested": ((D, D, D, N), "Changes requested.", "Changes requested"),
    "approved": ((D, D, D, D), "Production access granted.", "Approved"),
    "rejected": ((D, D, D, D), "Rejected.", "Rejected"),
}
LABELS = ["Contact sales", "Create a production app", "Request production access", "Complete KYB"]
URLS = {
    GoLiveStep.CONTACT_SALES: "/contact-sales/",
    GoLiveStep.PRODUCTION_APP: "/apps/new/?type=production",
    GoLiveStep.PRODUCTION_ACCESS: "/products/",
    GoLiveStep.KYB: "/kyb/",
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_page_shows_the_same_state_of_the_road_to_production(
    alice_client, alice, reviewer, catalog, stage
):
    STAGES[stage](alice, reviewer)
    states, review, status = EXPECTED[stage]
    state = gate.go_live(organization_of(alice))
    assert tuple(step.state.label for step in state.steps) == states

    # Go live: the four steps in order, each done, next or locked; the next one is a link.
    go_live = page_of(alice_client, GO_LIVE)
    assert checklist(go_live) == list(zip(states, LABELS, strict=True))
    for step in state.steps:
        linked = f'<a href="{URLS[step.step]}">{step.label}</a>' in go_live
        assert linked is (step.state == "next"), step.label
        if step.state == "locked":
            assert f'<span class="checklist__reason">{step.reason}</span>' in go_live
    review_section = go_live.split('id="review-heading"', 1)[1]
    assert review in review_section

    # Products: locked exactly while a step before production access is missing.
    products = page_of(alice_client, PRODUCTS)
    missing = state.missing_before(GoLiveStep.PRODUCTION_ACCESS)
    assert ("production-locked" in products) is (missing is not None)
    if missing is not None:
        label = missing.label
        assert f'<strong>{label} first.</strong> <a href="{URLS[missing]}">{label}</a>' in products
    assert status_of(products, "transactions") == status

    # The request form: offered exactly when Products is unlocked (or already requested).
    form = page_of(alice_client, REQUEST.format("balance-check"))
    assert ('name="use_case"' in form) is (missing is None)

    # KYB: locked exactly while a step before it is missing; editable only as a draft or
    # when changes are requested.
    # (/kyb/ opens the first step not done, or the review; the company step is always there.)
    assert alice_client.get(KYB, follow=True).status_code == 200
    kyb = page_of(alice_client, KYB_COMPANY)
    missing = state.missing_before(GoLiveStep.KYB)
    if missing is not None:
        label = missing.label
        assert f"<strong>{label} first.</strong> KYB comes after the steps before it." in kyb
        assert f'<a href="{URLS[missing]}">{label}</a>' in kyb
        assert "Save and continue" not in kyb
    else:
        assert "KYB comes after the steps before it." not in kyb
        editable = stage in ("step 3", "changes requested")
        assert ("Save and continue" in kyb) is editable
        if state.kyb_status is not None:
            assert f"Status: <strong>{status}</strong>" in kyb

    # Create app: Production is disabled, with "Contact sales first.", exactly while step 1 is
    # missing.
    create = page_of(alice_client, CREATE_APP)
    production = re.search(r'<input type="radio" name="app_type" value="production"[^>]*>', create)
    locked = " disabled" in production.group(0)
    assert locked is (not state.done(GoLiveStep.CONTACT_SALES))
    assert ("Contact sales first." in create) is locked


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_members_who_cannot_take_the_steps_see_the_checklist_and_are_told_so(
    client, alice, add_member, catalog, role
):
    client.force_login(add_member(organization_of(alice), role))
    page = page_of(client, GO_LIVE)
    assert [state for state, _ in checklist(page)] == [N, L, L, L]
    assert "Only owners and admins of your organization take these steps." in page
    owner = Client()
    owner.force_login(alice)
    assert "Only owners and admins" not in page_of(owner, GO_LIVE)
