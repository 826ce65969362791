"""Going to production, driven through the pages by their visible labels (issue 5, PRODUCT.md).

A new owner walks the four steps in order (Contact sales, a production app, production access
to a product, KYB), a staff member with the KYB review permission decides in the admin, and the
owner sees the outcome in Products and Go live. The staff member works in a browser context of
their own, so the two sessions never mix, and logs in to the admin with two-factor log-in, as
staff must: from the changelist's actions, or from the review queue and a submission's own
page. A staff member new to the admin sets up two-factor log-in and lands back where they were
going.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from accounts.models import User
from kyb.models import AccessStatus, KybReview, KybStatus, KybSubmission
from products.models import ProductionGrant
from tests.browser.conftest import fresh_totp_code, log_in, screenshot
from tests.conftest import PASSWORD, give_two_factor, organization_of
from tests.kyb import files
from tests.kyb.conftest import submit_kyb

pytestmark = pytest.mark.browser

OWNER_EMAIL = "olivia@example.com"
ORGANIZATION = "Olivia Payments"
REVIEWER_EMAIL = "reviewer@tink.example"
DOCUMENTS = ["Certificate of incorporation", "Proof of address", "ID of a director"]


def make_reviewer(make_user) -> tuple[User, str]:
    """A staff member who may review KYB (not a superuser: the permission is what counts), with
    an authenticator app, as staff need for the admin; and the app's secret."""
    user = make_user(REVIEWER_EMAIL, organization=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "review_kybsubmission",
                "view_kybsubmission",
                "view_productionaccessrequest",
            ]
        )
    )
    return user, give_two_factor(user)


def navigate(page, name: str) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def product_row(page, name: str):
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader").get_by_text(name, exact=True)
    )


def group(page, legend: str):
    """The fieldset a legend names (a step's add form: "Add a beneficial owner")."""
    return page.get_by_role("group", name=legend)


def kyb_section(page, heading: str):
    return page.get_by_role("region", name=heading)


def save_and_continue(page, next_step: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=2, name=next_step)).to_be_visible()


DUPLICATE_IDS = """() => {
    const ids = [...document.querySelectorAll("[id]")].map(element => element.id);
    return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}"""


def duplicate_ids(page) -> list[str]:
    """Ids used twice on the page: a label points at the first only, the second field has none."""
    return page.evaluate(DUPLICATE_IDS)


def pdf_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(files.pdf())
    return path


# --- The owner's four steps -----------------------------------------------------------------


def contact_sales_through_the_form(page) -> None:
    expect(page.get_by_role("heading", name="Contact sales")).to_be_visible()
    page.get_by_label("Company name").fill("Olivia Payments AB")
    page.get_by_label("Work email").fill("olivia.sales@example.com")
    page.get_by_label("Country").select_option(label="Sweden")
    page.get_by_label("Website").fill("https://olivia.example")
    page.get_by_label("Transactions", exact=True).check()
    page.get_by_label("Expected monthly volume").select_option(label="1,000 to 10,000")
    page.get_by_label("Message").fill("We want to categorise our customers' transactions.")
    screenshot(page, "go-live-contact-sales")
    page.get_by_role("button", name="Contact sales").click()


def create_a_production_app(page) -> None:
    navigate(page, "Apps")
    page.get_by_role("link", name="Create your first app").click()
    expect(page.get_by_role("heading", name="Create a new app")).to_be_visible()
    page.get_by_label("App name").fill("Olivia live")
    page.get_by_label("Display name (public)").fill("Olivia Payments")
    page.get_by_role("group", name="App type").get_by_role("radio", name="Production").check()
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Olivia live")).to_be_visible()


def request_production_access(page, client_id: str) -> None:
    navigate(page, "Products")
    expect(page.get_by_text("Requesting production access is locked")).to_have_count(0)
    page.get_by_role("link", name="Request production access to Transactions").click()
    expect(
        page.get_by_role("heading", name="Request production access to Transactions")
    ).to_be_visible()
    page.get_by_label(f"Olivia live ({client_id})").check()
    page.get_by_label("Use case").fill("Categorise the transactions of our customers' accounts.")
    screenshot(page, "go-live-request-access")
    page.get_by_role("button", name="Request production access").click()


def fill_in_the_kyb(page, tmp_path: Path) -> None:
    """The five steps, one page each, by their labels."""
    expect(page.get_by_role("heading", level=2, name="Company")).to_be_visible()
    assert duplicate_ids(page) == [], "two fields of a KYB page share an id"
    # Contact sales told us the company's name, country, website and volume already.
    expect(page.get_by_label("Legal entity name")).to_have_value("Olivia Payments AB")
    expect(page.get_by_label("Website")).to_have_value("https://olivia.example")
    page.get_by_label("Registration number").fill("559900-1122")
    page.get_by_label("Registered address").fill("Drottninggatan 5, 111 51 Stockholm")
    page.get_by_label("VAT or tax id").fill("SE559900112201")
    page.get_by_label("Industry").select_option(label="Payments")
    save_and_continue(page, "Beneficial owners")
    expect(page.get_by_text("Company details saved.")).to_be_visible()

    assert duplicate_ids(page) == []
    owner = group(page, "Add a beneficial owner")
    owner.get_by_label("Full name").fill("Olivia Olsson")
    owner.get_by_label("Date of birth").fill("1984-05-17")
    owner.get_by_label("Nationality").select_option(label="Sweden")
    owner.get_by_label("Ownership (%)").fill("75")
    owner.get_by_role("button", name="Add owner").click()
    expect(page.get_by_text("Beneficial owner added.")).to_be_visible()
    owners = page.get_by_role("table", name="Ultimate beneficial owners")
    expect(owners.get_by_role("row").filter(has_text="Olivia Olsson")).to_contain_text(
        "17 May 1984"
    )
    save_and_continue(page, "Directors")

    director = group(page, "Add a director")
    director.get_by_label("Full name").fill("Bo Berg")
    director.get_by_label("Nationality").select_option(label="Norway")
    director.get_by_role("button", name="Add director").click()
    expect(page.get_by_text("Director added.")).to_be_visible()
    directors = page.get_by_role("table", name="Directors")
    expect(directors.get_by_role("row").filter(has_text="Bo Berg")).to_contain_text("Norway")
    save_and_continue(page, "Documents")

    for number, kind in enumerate(DOCUMENTS, start=1):
        upload = group(page, "Upload a document")
        upload.get_by_label("Document").select_option(label=kind)
        upload.get_by_label("File").set_input_files(pdf_file(tmp_path, f"document-{number}.pdf"))
        upload.get_by_role("button", name="Upload").click()
        expect(page.get_by_text("Document uploaded.")).to_be_visible()
    documents = page.get_by_role("table", name="Uploaded documents")
    for number, kind in enumerate(DOCUMENTS, start=1):
        row = documents.get_by_role("row").filter(has_text=kind)
        expect(row).to_contain_text(f"document-{number}.pdf")
    save_and_continue(page, "Review and submit")
    expect(page.get_by_text("Everything is there.")).to_be_visible()


# --- The staff member's review ----------------------------------------------------------------


@contextmanager
def staff_browser(chromium, live_server) -> Iterator[tuple]:
    """A browser context of the staff member's own (no cookie of the owner's session), and the
    console errors its pages log (the admin names the Console's icon, so none is a 404)."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []

    def record(message) -> None:
        if message.type == "error":
            errors.append(f"{message.location['url']}: {message.text}")

    page.on("console", record)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page, errors
    finally:
        context.close()


def log_in_to_the_admin(page, email: str, secret: str) -> None:
    """/admin/ sends staff to the Console's Log in page, then to the two-factor step (a code
    from their authenticator app), which leads back to the admin."""
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor log-in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def decide_in_the_admin(page, legal_name: str, action: str, verb: str, note: str) -> None:
    """Select the submission in the KYB submissions list, run the action, write the note."""
    page.get_by_role("link", name="KYB submissions").first.click()
    row = page.get_by_role("row").filter(has_text=legal_name)
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text(f"{verb} 1 KYB submission")).to_be_visible()
    page.get_by_label("Note to the organization").fill(note)
    screenshot(page, f"go-live-admin-{verb.lower().replace(' ', '-')}")
    page.get_by_role("button", name=verb, exact=True).click()
    expect(page.get_by_text(re.compile(rf"^{verb}: 1 KYB submission"))).to_be_visible()


def decide_from_the_queue(page, legal_name: str, verb: str, note: str) -> None:
    """Open the queue from the admin's index, the submission from the queue, then its button."""
    page.get_by_role("link", name="Submissions under review", exact=True).click()
    expect(
        page.get_by_role("heading", level=1, name="Submissions under review, oldest first")
    ).to_be_visible()
    page.get_by_role("row").filter(has_text=legal_name).get_by_role("link", name=legal_name).click()
    expect(page.get_by_role("heading", level=1, name="View KYB submission")).to_be_visible()
    page.get_by_role("link", name=verb, exact=True).click()
    expect(page.get_by_text(f"{verb} 1 KYB submission")).to_be_visible()
    page.get_by_label("Note to the organization").fill(note)
    page.get_by_role("button", name=verb, exact=True).click()
    # Back on the submission's page, decided: its buttons are disabled, and say why.
    expect(page.get_by_text(f"{verb}: 1 KYB submission.")).to_be_visible()
    expect(page.get_by_role("button", name=verb, exact=True)).to_be_disabled()
    screenshot(page, f"go-live-admin-decided-{verb.lower().replace(' ', '-')}")


# --- Tests ----------------------------------------------------------------------------------


def test_a_new_owner_walks_the_four_steps_and_a_reviewer_approves_production_access(
    page, chromium, live_server, catalog, make_user, tmp_path, browser_errors
):
    owner = make_user(OWNER_EMAIL, organization=ORGANIZATION)
    reviewer, secret = make_reviewer(make_user)
    log_in(page, owner.email)

    # Products first: every product is in the sandbox, and production starts with sales.
    navigate(page, "Products")
    expect(page.get_by_role("heading", level=1, name="Products")).to_be_visible()
    expect(product_row(page, "Transactions")).to_contain_text("Available in sandbox")
    expect(product_row(page, "Transactions")).to_contain_text("Not requested")
    locked = page.get_by_text("Requesting production access is locked")
    expect(locked).to_contain_text("Contact sales first.")
    screenshot(page, "go-live-products-locked")

    # Step 1: Contact sales.
    locked.get_by_role("link", name="Contact sales").click()
    contact_sales_through_the_form(page)
    expect(page.get_by_role("heading", level=1, name="Go live")).to_be_visible()
    expect(page.get_by_text("Thank you: our business team will reach out to you.")).to_be_visible()

    # Step 2: a production app.
    create_a_production_app(page)
    app = organization_of(owner).apps.get()
    assert app.app_type == "production"

    # Step 3: production access to Transactions, for that app.
    request_production_access(page, app.client_id)
    expect(page.get_by_text("Production access to Transactions is requested.")).to_be_visible()
    expect(page.get_by_role("link", name="Next, complete KYB.")).to_have_attribute("href", "/kyb/")
    expect(product_row(page, "Transactions")).to_contain_text("Requested")

    # Step 4: KYB, from the Go live checklist.
    navigate(page, "Go live")
    checklist = page.get_by_role("list", name="Going to production")
    expect(checklist.get_by_role("listitem")).to_have_count(4)
    for done in ("Contact sales", "Create a production app", "Request production access"):
        expect(checklist.get_by_role("listitem").filter(has_text=done)).to_contain_text("Done")
    checklist.get_by_role("link", name="Complete KYB").click()
    expect(page.get_by_role("heading", level=1, name="Complete KYB")).to_be_visible()
    fill_in_the_kyb(page, tmp_path)
    screenshot(page, "go-live-kyb-complete")
    page.get_by_role("button", name="Submit KYB").click()

    expect(page.get_by_role("heading", level=1, name="Go live")).to_be_visible()
    expect(page.get_by_text("Your KYB is submitted.")).to_be_visible()
    expect(page.get_by_text("Under review.")).to_be_visible()
    expect(checklist.get_by_role("listitem").filter(has_text="Complete KYB")).to_contain_text(
        "Done"
    )
    submission = KybSubmission.objects.get(organization=organization_of(owner))
    assert submission.status == KybStatus.SUBMITTED
    assert submission.registration_number == "559900-1122"

    # The review, by a staff member in a browser of their own.
    with staff_browser(chromium, live_server) as (staff, staff_errors):
        log_in_to_the_admin(staff, reviewer.email, secret)
        decide_in_the_admin(
            staff, "Olivia Payments AB", "Approve", "Approve", "Welcome to production."
        )
    assert staff_errors == []

    # The owner sees production access granted.
    page.goto("/products/")
    expect(product_row(page, "Transactions")).to_contain_text("Approved")
    expect(product_row(page, "Income Check")).to_contain_text("Not requested")
    screenshot(page, "go-live-products-approved")
    page.goto("/go-live/")
    expect(page.get_by_text("Production access granted.")).to_be_visible()
    screenshot(page, "go-live-approved")

    submission.refresh_from_db()
    assert submission.status == KybStatus.APPROVED
    assert list(
        ProductionGrant.objects.filter(organization=submission.organization).values_list(
            "product__slug", flat=True
        )
    ) == ["transactions"]
    (review,) = KybReview.objects.filter(submission=submission, decision=KybStatus.APPROVED)
    assert (review.actor_email, review.note) == (REVIEWER_EMAIL, "Welcome to production.")
    assert browser_errors == []


def test_when_a_reviewer_asks_for_changes_the_owner_reads_the_note_edits_and_resubmits(
    page, chromium, live_server, catalog, make_user, tmp_path, browser_errors
):
    owner = make_user(OWNER_EMAIL, organization=ORGANIZATION)
    reviewer, secret = make_reviewer(make_user)
    submit_kyb(owner)  # steps 1 to 4 through the services, as "Alice Fintech AB"
    note = "The proof of address is older than three months.\nUpload one from this quarter."

    with staff_browser(chromium, live_server) as (staff, staff_errors):
        log_in_to_the_admin(staff, reviewer.email, secret)
        decide_from_the_queue(staff, "Alice Fintech AB", "Request changes", note)
        expect(staff.get_by_text(re.compile(r"^Changes were requested on "))).to_be_visible()
    assert staff_errors == []

    log_in(page, owner.email)
    navigate(page, "Products")
    expect(product_row(page, "Transactions")).to_contain_text("Changes requested")
    navigate(page, "Go live")
    expect(page.get_by_text("Changes requested.")).to_be_visible()
    page.get_by_role("link", name="Edit your KYB").click()

    expect(page.get_by_role("heading", level=1, name="Complete KYB")).to_be_visible()
    expect(page.get_by_text("Status: Changes requested")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Review and submit")).to_be_visible()
    from_the_team = kyb_section(page, "Note from our review team")
    expect(from_the_team).to_contain_text("The proof of address is older than three months.")
    expect(from_the_team).to_contain_text("Upload one from this quarter.")
    screenshot(page, "go-live-kyb-changes-requested")
    page.get_by_role("navigation", name="KYB steps").get_by_role("link", name="Documents").click()
    documents = page.get_by_role("table", name="Uploaded documents")
    old_proof = documents.get_by_role("row").filter(has_text="Proof of address")
    old_proof.get_by_role("button", name=re.compile(r"^Remove ")).click()
    expect(page.get_by_text("Document removed.")).to_be_visible()
    steps = page.get_by_role("navigation", name="KYB steps")
    expect(steps.get_by_role("listitem").filter(has_text="Documents")).to_contain_text(
        "Missing 1 item"
    )
    upload = group(page, "Upload a document")
    upload.get_by_label("Document").select_option(label="Proof of address")
    upload.get_by_label("File").set_input_files(pdf_file(tmp_path, "recent-proof.pdf"))
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Document uploaded.")).to_be_visible()
    save_and_continue(page, "Review and submit")
    page.get_by_role("button", name="Submit KYB").click()

    expect(page.get_by_text("Your KYB is submitted.")).to_be_visible()
    expect(page.get_by_text("Under review.")).to_be_visible()
    page.goto("/products/")
    expect(product_row(page, "Transactions")).to_contain_text("Under review")
    submission = KybSubmission.objects.get(organization=organization_of(owner))
    assert submission.status == KybStatus.SUBMITTED
    assert submission.organization.access_requests.get().status == AccessStatus.UNDER_REVIEW
    assert browser_errors == []


def test_a_new_staff_member_sets_up_two_factor_and_lands_back_on_the_admin_page(
    chromium, live_server, make_user, catalog
):
    staff_member, _ = make_reviewer(make_user)
    staff_member.authenticator_set.all().delete()  # no two-factor log-in yet
    submit_kyb(make_user(OWNER_EMAIL, organization=ORGANIZATION))
    with staff_browser(chromium, live_server) as (staff, staff_errors):
        staff.goto("/admin/kyb/kybsubmissionunderreview/")
        expect(staff).to_have_url(re.compile(r"/accounts/login/"))
        staff.get_by_label("Email").fill(staff_member.email)
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Log in").click()

        expect(staff.get_by_text("Staff need two-factor log-in to use the admin.")).to_be_visible()
        staff.get_by_role("link", name="Set up an authenticator app").click()
        expect(staff.get_by_role("heading", name="Confirm it's you")).to_be_visible()
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Confirm").click()
        secret = staff.get_by_label("Authenticator secret").input_value()
        staff.get_by_role("textbox", name="Authenticator code").fill(fresh_totp_code(secret))
        staff.get_by_role("button", name="Activate").click()

        expect(staff.get_by_role("heading", level=1, name="Recovery codes")).to_be_visible()
        staff.get_by_label("I have saved my recovery codes").check()
        screenshot(staff, "go-live-admin-two-factor-done")
        staff.get_by_role("link", name="Continue to the admin").click()
        expect(staff).to_have_url(re.compile(r"/admin/kyb/kybsubmissionunderreview/$"))
        expect(staff.get_by_role("link", name="Alice Fintech AB")).to_be_visible()
    assert staff_errors == []
