"""The KYB as five steps (issue 12), driven by their visible labels: typed input survives Next,
Back, another form's button and the progress list; each step's status is shown; a refused
submit lists what is missing with links to where it is fixed; at 390 px nothing needs sideways
scrolling and every action is on screen."""

import pytest
from playwright.sync_api import expect

from kyb import documents as kyb_documents
from kyb import services
from kyb.models import KybSubmission
from tests.browser.conftest import log_in, screenshot
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.conftest import OWNER, complete_kyb, request_access

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def at_kyb(alice, catalog):
    """Alice's organization has taken steps 1 to 3 (its Contact sales lead told us its name,
    country, website and volume); its KYB is next."""
    request_access(alice)
    return organization_of(alice)


@pytest.fixture
def narrow(chromium, live_server, browser_settings, browser_errors):
    """A 390 px wide page (not is_mobile: innerWidth stays 390 whatever overflows)."""
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: browser_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: browser_errors.append(str(error)))
    yield page
    context.close()


def steps(page):
    return page.get_by_role("navigation", name="KYB steps")


def step_status(page, label: str):
    return steps(page).get_by_role("listitem").filter(has_text=label)


def step_heading(page, name: str):
    return page.get_by_role("heading", level=2, name=name)


def save_and_continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def add_owner(page, name: str = "Alice Andersson", ownership: str = "60") -> None:
    owner = page.get_by_role("group", name="Add a beneficial owner")
    owner.get_by_label("Full name").fill(name)
    owner.get_by_label("Date of birth").fill("1984-05-17")
    owner.get_by_label("Nationality").select_option(label="Sweden")
    owner.get_by_label("Ownership (%)").fill(ownership)
    owner.get_by_role("button", name="Add owner").click()


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_on_screen(locator) -> None:
    """Wholly inside the viewport once scrolled to: also not cut off inside a scrolling box."""
    locator.evaluate("element => element.scrollIntoView({block: 'center'})")
    expect(locator).to_be_in_viewport(ratio=1)
    box = locator.bounding_box()
    width = locator.page.evaluate("window.innerWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


def page_errors(browser_errors: list[str]) -> list[str]:
    """Console errors, but for the 400 a refused form is answered with (it is meant)."""
    return [e for e in browser_errors if "the server responded with a status of 400" not in e]


# --- Typed input is kept -----------------------------------------------------------------------


def test_next_back_and_adding_an_owner_keep_the_company_values(page, alice, at_kyb, browser_errors):
    log_in(page, alice.email)
    page.goto("/kyb/")
    expect(step_heading(page, "Company")).to_be_visible()
    # What the Contact sales form told us is filled in, and says so.
    expect(page.get_by_label("Legal entity name")).to_have_value("Alice Fintech AB")
    expect(page.get_by_label("Country of registration")).to_have_value("SE")
    expect(page.get_by_label("Website")).to_have_value("https://alice.example")
    expect(page.get_by_text("We filled in the company name")).to_be_visible()

    page.get_by_label("Legal entity name").fill("Alice Fintech Group AB")
    page.get_by_label("Registration number").fill("556677-8899")
    save_and_continue(page)
    expect(step_heading(page, "Beneficial owners")).to_be_visible()
    expect(page.get_by_text("Company details saved.")).to_be_in_viewport()
    page.get_by_role("button", name="Back").click()
    expect(step_heading(page, "Company")).to_be_visible()
    expect(page.get_by_label("Legal entity name")).to_have_value("Alice Fintech Group AB")
    expect(page.get_by_label("Registration number")).to_have_value("556677-8899")
    expect(page.get_by_text("We filled in the company name")).to_have_count(0)

    save_and_continue(page)
    add_owner(page)
    added = page.get_by_text("Beneficial owner added.")
    expect(added).to_be_in_viewport()  # where the user is looking, not at the top
    owners = page.get_by_role("table", name="Ultimate beneficial owners")
    expect(owners.get_by_role("row").filter(has_text="Alice Andersson")).to_contain_text(
        "17 May 1984"
    )
    steps(page).get_by_role("link", name="Company").click()
    expect(page.get_by_label("Legal entity name")).to_have_value("Alice Fintech Group AB")
    expect(page.get_by_label("Registration number")).to_have_value("556677-8899")
    assert browser_errors == []


def test_a_progress_link_clicked_after_typing_saves_the_step_first(
    page, alice, at_kyb, browser_errors
):
    log_in(page, alice.email)
    page.goto("/kyb/company/")
    page.get_by_label("Registration number").fill("556677-8899")
    steps(page).get_by_role("link", name="Documents").click()
    expect(step_heading(page, "Documents")).to_be_visible()
    expect(page.get_by_text("Company details saved.")).to_be_visible()
    assert KybSubmission.objects.get(organization=at_kyb).registration_number == "556677-8899"
    assert browser_errors == []


def test_removing_an_owner_keeps_the_owner_being_typed(page, alice, at_kyb, browser_errors):
    services.beneficial_owner_add(organization=at_kyb, added_by=alice, **OWNER)
    log_in(page, alice.email)
    page.goto("/kyb/owners/")
    owner = page.get_by_role("group", name="Add a beneficial owner")
    owner.get_by_label("Full name").fill("Bo Berg")
    owner.get_by_label("Ownership (%)").fill("30")
    page.get_by_role("button", name="Remove Alice Andersson").click()
    expect(page.get_by_text("Beneficial owner removed.")).to_be_in_viewport()
    expect(page.get_by_text("No beneficial owners added.")).to_be_visible()
    expect(owner.get_by_label("Full name")).to_have_value("Bo Berg")
    expect(owner.get_by_label("Ownership (%)")).to_have_value("30")
    assert browser_errors == []


def test_enter_in_the_add_form_adds_the_owner_and_removes_nobody(
    page, alice, at_kyb, browser_errors
):
    services.beneficial_owner_add(organization=at_kyb, added_by=alice, **OWNER)
    log_in(page, alice.email)
    page.goto("/kyb/owners/")
    owner = page.get_by_role("group", name="Add a beneficial owner")
    owner.get_by_label("Full name").fill("Bo Berg")
    owner.get_by_label("Date of birth").fill("1980-01-01")
    owner.get_by_label("Nationality").select_option(label="Norway")
    owner.get_by_label("Ownership (%)").fill("40")
    owner.get_by_label("Ownership (%)").press("Enter")
    expect(page.get_by_text("Beneficial owner added.")).to_be_visible()
    owners = page.get_by_role("table", name="Ultimate beneficial owners")
    expect(owners.get_by_role("row").filter(has_text="Alice Andersson")).to_have_count(1)
    expect(owners.get_by_role("row").filter(has_text="Bo Berg")).to_have_count(1)
    assert browser_errors == []


def test_an_invalid_value_is_shown_in_view_and_nothing_typed_is_lost(
    page, alice, at_kyb, browser_errors
):
    log_in(page, alice.email)
    page.goto("/kyb/company/")
    page.set_viewport_size({"width": 1280, "height": 500})
    page.get_by_label("Registration number").fill("556677-8899")
    page.get_by_label("Registered address").fill("Sveavägen 1, 111 57 Stockholm")
    page.get_by_label("Website").fill("not a website")
    save_and_continue(page)
    error = page.locator(".field .errors").get_by_text(
        "Enter a valid URL, like https://example.com."
    )
    expect(error).to_be_in_viewport()
    expect(page.locator("[data-error-summary]")).to_contain_text("Website: Enter a valid URL")
    expect(page.get_by_label("Website")).to_be_focused()
    expect(page.get_by_label("Website")).to_have_value("not a website")
    expect(page.get_by_label("Registration number")).to_have_value("556677-8899")
    expect(page.get_by_label("Registered address")).to_have_value("Sveavägen 1, 111 57 Stockholm")
    assert not KybSubmission.objects.filter(organization=at_kyb).exists()
    screenshot(page, "kyb-company-invalid-website")
    assert page_errors(browser_errors) == []


# --- The progress list -------------------------------------------------------------------------


def test_the_progress_list_shows_each_steps_status(page, alice, at_kyb, browser_errors):
    services.kyb_company_update(
        organization=at_kyb,
        updated_by=alice,
        legal_name="Alice Fintech AB",
        registration_number="556677-8899",
        country="SE",
        registered_address="Sveavägen 1",
        website="https://alice.example",
        industry="payments",
        monthly_volume="1k_10k",
    )
    services.beneficial_owner_add(organization=at_kyb, added_by=alice, **OWNER)
    log_in(page, alice.email)
    page.goto("/kyb/")
    expect(step_heading(page, "Company")).to_be_visible()  # the first step not done
    expect(step_status(page, "Company")).to_contain_text("Missing 1 item")
    expect(step_status(page, "Beneficial owners")).to_contain_text("Done")
    expect(step_status(page, "Directors")).to_contain_text("Not started")
    expect(step_status(page, "Documents")).to_contain_text("Not started")
    expect(step_status(page, "Review and submit")).to_contain_text("Missing 5 items")
    current = steps(page).locator("[aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Company")
    steps(page).get_by_role("link", name="Directors").click()
    expect(steps(page).locator("[aria-current=step]")).to_contain_text("Directors")
    screenshot(page, "kyb-progress")
    assert browser_errors == []


# --- Submitting --------------------------------------------------------------------------------


def test_submit_waits_for_the_missing_items_and_a_refused_submit_links_to_them(
    page, alice, at_kyb, browser_errors
):
    complete_kyb(alice)
    log_in(page, alice.email)
    page.goto("/kyb/review/")
    expect(page.get_by_text("Everything is there.")).to_be_visible()
    # Meanwhile a colleague removes the only director: the page here still offers Submit.
    submission = KybSubmission.objects.get(organization=at_kyb)
    services.director_remove(organization=at_kyb, director_id=submission.directors.get().pk)
    page.get_by_role("button", name="Submit KYB").click()

    refused = page.get_by_role("alert").filter(has_text="Your KYB can't be submitted yet:")
    expect(refused).to_be_in_viewport()
    expect(refused).to_contain_text("1 item is missing.")
    expect(page.get_by_role("button", name="Submit KYB")).to_be_disabled()
    reason = page.get_by_text("Submitting opens once the 1 missing item above is added.")
    expect(reason).to_be_visible()
    screenshot(page, "kyb-submit-refused")
    refused.get_by_role("link", name="Add at least one director.").click()
    expect(page).to_have_url(f"{page.url.split('/kyb/')[0]}/kyb/directors/#director_full_name")
    add_director = page.get_by_role("group", name="Add a director")
    expect(add_director.get_by_label("Full name")).to_be_focused()
    assert page_errors(browser_errors) == []


def test_a_missing_company_field_links_to_that_field(page, alice, at_kyb, browser_errors):
    complete_kyb(alice)
    KybSubmission.objects.filter(organization=at_kyb).update(industry="")
    log_in(page, alice.email)
    page.goto("/kyb/review/")
    expect(page.get_by_role("button", name="Submit KYB")).to_be_disabled()
    page.get_by_role("link", name="Enter the industry.").click()
    expect(step_heading(page, "Company")).to_be_visible()
    expect(page.get_by_label("Industry")).to_be_focused()
    expect(page.get_by_label("Industry")).to_be_in_viewport()
    assert browser_errors == []


# --- Documents: the drop zone and the file's own name -------------------------------------------


def test_a_file_dropped_on_the_drop_zone_is_uploaded_under_its_own_name(
    page, alice, at_kyb, browser_errors
):
    log_in(page, alice.email)
    page.goto("/kyb/documents/")
    upload = page.get_by_role("group", name="Upload a document")
    upload.get_by_label("Document").select_option(label="Proof of address")
    page.evaluate(
        """(bytes) => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], "Utility bill April.pdf",
                                  {type: "application/pdf"});
            transfer.items.add(file);
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        list(files.pdf()),
    )
    expect(upload.get_by_text("Chosen: Utility bill April.pdf")).to_be_visible()
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Document uploaded.")).to_be_in_viewport()
    documents = page.get_by_role("table", name="Uploaded documents")
    row = documents.get_by_role("row").filter(has_text="Proof of address")
    expect(row.get_by_role("link", name="Utility bill April.pdf")).to_be_visible()
    assert browser_errors == []


# --- 390 px ---------------------------------------------------------------------------------


def test_at_390_px_nothing_scrolls_sideways_and_every_action_is_on_screen(
    narrow, alice, at_kyb, browser_errors
):
    complete_kyb(alice)
    organization = at_kyb
    long_name = "Maximiliana Alexandrina Wilhelmina von Oberhausen-Sonnenberg"
    services.beneficial_owner_remove(
        organization=organization,
        owner_id=KybSubmission.objects.get(organization=organization).owners.get().pk,
    )
    services.beneficial_owner_add(
        organization=organization, added_by=alice, **{**OWNER, "full_name": long_name}
    )
    kyb_documents.kyb_document_add(
        organization=organization,
        uploaded_by=alice,
        kind="director_id",
        upload=files.upload("passport-scan-of-the-managing-director-2024-v2.pdf", files.pdf()),
    )
    log_in(narrow, alice.email)
    for url, removes in (
        ("/kyb/company/", 0),
        ("/kyb/owners/", 1),
        ("/kyb/directors/", 1),
        ("/kyb/documents/", 4),
        ("/kyb/review/", 0),
    ):
        narrow.goto(url)
        assert fits_the_width(narrow), f"{url} scrolls sideways at 390 px"
        remove_buttons = narrow.get_by_role("button", name="Remove ")
        expect(remove_buttons).to_have_count(removes)
        for index in range(removes):
            assert_on_screen(remove_buttons.nth(index))
        actions = ["Back", "Save and continue"] if url != "/kyb/review/" else ["Submit KYB"]
        if url == "/kyb/company/":
            actions = ["Save and continue"]
        for name in actions:
            assert_on_screen(narrow.get_by_role("button", name=name, exact=True))
        screenshot(narrow, f"kyb-390{url.replace('/', '-').rstrip('-')}")
    narrow.goto("/kyb/documents/")
    assert_on_screen(narrow.locator(".dropzone__area"))
    assert_on_screen(narrow.get_by_role("button", name="Upload", exact=True))
    assert browser_errors == []
