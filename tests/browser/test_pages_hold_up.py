"""The pages as a new user meets them (issue 12): errors where the eye is, messages beside what
changed, locked actions disabled with their reason, and phones that show every action."""

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import Role
from apps import services as app_services
from tests.conftest import organization_of

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def buttons_inside_the_width(page) -> list[str]:
    """Visible buttons and button-links whose box sticks out of the viewport sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll("main button, main a.button")]
            .filter(b => b.offsetParent !== null)
            .filter(b => { const r = b.getBoundingClientRect();
                           return r.left < 0 || r.right > window.innerWidth; })
            .map(b => b.textContent.trim())"""
    )


@pytest.fixture
def busy_app(alice, sandbox_app):
    """An API client tab long enough that its last form sits far below the fold."""
    for n in range(5):
        app_services.client_secret_create(app=sandbox_app, created_by=alice, name=f"Server {n}")
    for n in range(8):
        app_services.redirect_uri_add(
            app=sandbox_app, uri=f"https://alice.example/cb/{n}", added_by=alice
        )
    return sandbox_app


# --- Errors and messages where the user is looking --------------------------------------------


def test_a_refused_redirect_uri_focuses_its_field_in_view(page, alice, busy_app, browser_errors):
    log_in(page, alice.email)
    page.goto(f"/apps/{busy_app.client_id}/settings/api-client/")
    page.get_by_label("Redirect URI", exact=True).fill("ftp:nothing")
    page.get_by_role("button", name="Add new redirect URI").click()

    field = page.get_by_label("Redirect URI", exact=True)
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert in_viewport(page, field), "the invalid field is off-screen"
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Redirect URI:")
    expect(field).to_have_value("ftp:nothing")  # what was typed is kept
    assert browser_errors == []


def test_a_duplicate_invitation_focuses_the_email_field_in_view(page, alice, browser_errors):
    account_services.invitation_create(
        organization=organization_of(alice),
        email="erin@example.com",
        role=Role.VIEWER,
        invited_by=alice,
    )
    log_in(page, alice.email)
    page.goto("/team/")
    form = page.get_by_role("region", name="Invite a member")
    form.get_by_label("Email").fill("erin@example.com")
    form.get_by_role("button", name="Send invitation").click()

    field = page.get_by_role("region", name="Invite a member").get_by_label("Email")
    expect(field).to_be_focused()
    assert in_viewport(page, field)
    expect(page.locator("[data-error-summary]")).to_contain_text("already invited")


def test_the_summary_links_lead_to_their_field(page, alice, browser_errors):
    log_in(page, alice.email)
    page.goto("/apps/new/")
    page.get_by_role("button", name="Create app").click()

    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("link")).to_have_count(3)
    summary.get_by_role("link", name="Display name (public): Enter a display name.").click()
    expect(page.get_by_label("Display name (public)")).to_be_focused()


def test_a_success_message_shows_beside_the_section_that_changed(
    page, alice, busy_app, browser_errors
):
    log_in(page, alice.email)
    page.goto(f"/apps/{busy_app.client_id}/settings/api-client/")
    page.get_by_label("Redirect URI", exact=True).fill("https://alice.example/new")
    page.get_by_role("button", name="Add new redirect URI").click()

    message = page.get_by_text("Redirect URI https://alice.example/new added.")
    expect(message).to_be_visible()
    section = page.get_by_role("region", name="Redirect URIs")
    expect(section.get_by_text("Redirect URI https://alice.example/new added.")).to_be_visible()
    assert in_viewport(page, message), "the message is off-screen"


# --- The road to production and locked actions ------------------------------------------------


def test_home_shows_the_checklist_and_its_production_link_chooses_production(
    page, alice, catalog, browser_errors
):
    from tests.conftest import contact_sales

    contact_sales(alice)
    log_in(page, alice.email)

    checklist = page.get_by_role("list", name="Going to production")
    expect(checklist.get_by_role("listitem")).to_have_count(4)
    checklist.get_by_role("link", name="Create a production app").click()

    expect(page.get_by_role("heading", level=1, name="Create a new app")).to_be_visible()
    expect(page.get_by_role("radio", name="Production")).to_be_checked()
    expect(page.get_by_role("radio", name="Sandbox")).not_to_be_checked()


def test_locked_actions_are_disabled_and_say_why(page, alice, catalog, browser_errors):
    log_in(page, alice.email)

    page.goto("/apps/new/")
    expect(page.get_by_role("radio", name="Production")).to_be_disabled()
    expect(page.get_by_role("link", name="Contact sales first.")).to_be_visible()

    page.goto("/products/")
    request = page.get_by_role("button", name="Request production access").first
    expect(request).to_be_disabled()
    expect(page.locator("#locked-transactions")).to_have_text("Contact sales first.")

    page.goto("/team/")
    leave = page.get_by_role("button", name="Leave organization")
    expect(leave).to_be_disabled()
    expect(page.locator("#leave-reason")).to_contain_text("last owner")
    assert browser_errors == []


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["api-client", "/team/", "/products/", "/team/audit/", "/accounts/sessions/"]
)
def test_on_a_phone_every_action_is_on_screen_without_sideways_scrolling(
    phone, alice, busy_app, catalog, path, browser_errors
):
    account_services.invitation_create(
        organization=organization_of(alice),
        email="a.very.long.address@subsidiary.example.com",
        role=Role.DEVELOPER,
        invited_by=alice,
    )
    log_in(phone, alice.email)
    url = f"/apps/{busy_app.client_id}/settings/api-client/" if path == "api-client" else path
    phone.goto(url)

    assert no_sideways_scroll(phone)
    assert buttons_inside_the_width(phone) == []
    if path == "api-client":
        expect(phone.get_by_role("button", name="Revoke", exact=False)).to_have_count(5)


def test_menus_close_on_an_outside_click_and_one_is_open_at_a_time(page, alice, sandbox_app):
    log_in(page, alice.email)
    apps = page.locator("details.menu--apps")
    account = page.locator("details.menu--user")

    apps.locator("summary").click()
    expect(apps).to_have_attribute("open", "")
    account.locator("summary").click()
    expect(account).to_have_attribute("open", "")
    expect(apps).not_to_have_attribute("open", "")

    page.locator("h1").click()
    expect(account).not_to_have_attribute("open", "")
    apps.locator("summary").click()
    page.keyboard.press("Escape")
    expect(apps).not_to_have_attribute("open", "")
