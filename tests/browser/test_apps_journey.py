"""Apps and their API credentials, driven through the pages by their visible labels (PRODUCT.md).

The seed's "Create your first app" and "Create a client secret" steps, then the five-secret
limit, revoking, renaming, switching apps, a viewer's read-only view and a wrong password.
No plaintext secret is ever printed: it is compared in booleans, never in an assertion's
operands (pytest would show both sides).
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from apps import services as app_services
from apps.models import App, ClientSecret
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, organization_of

pytestmark = pytest.mark.browser

SECRET_FORMAT = re.compile(r"^tink_cs_[A-Za-z0-9]{49}$")
CLIENT_ID_FORMAT = re.compile(r"^[0-9a-f]{32}$")
HOME_LINK = "Create your first app"
FORM_USED = "That form was already used, and the secret it created can't be shown again."


def log_in_with_apps(page, email: str) -> None:
    """Log in through the Log in page (the seed's step 1) and land on the home page."""
    log_in(page, email)
    expect(page.get_by_role("heading", name="Welcome to Console")).to_be_visible()


def start_logged_in(page, base_url: str, user) -> None:
    """Start on the home page with the session that logging in gives.

    The Log in page is driven by the two seed journeys here and by test_signup_journey.py;
    the other tests skip it to stay fast.
    """
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome to Console")).to_be_visible()


def app_menu(page):
    """The top dropdown: the <details> group whose summary reads "Select an app" (with the
    current app's name once one is open)."""
    summary = page.locator("summary", has_text=re.compile(r"^\s*Select an app"))
    return page.locator("details").filter(has=summary)


def open_app_menu(page) -> None:
    app_menu(page).locator("summary").click()


def select_app(page, name: str) -> None:
    """Open the top dropdown menu and select the app."""
    open_app_menu(page)
    app_menu(page).get_by_role("link", name=name).click()


def app_heading(page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def open_api_client_tab(page, app_name: str) -> None:
    select_app(page, app_name)
    expect(app_heading(page, app_name)).to_be_visible()
    page.get_by_role("link", name="App settings").click()
    page.get_by_role("navigation", name="App settings").get_by_role(
        "link", name="API client"
    ).click()
    expect(page.get_by_role("heading", name="API credentials")).to_be_visible()


def active_secret_count(page):
    return page.get_by_text(re.compile(r"^\d of 5 active secrets\."))


def secret_row(page, hint: str):
    return page.get_by_role("row").filter(has_text=f"{hint}…")


def make_secrets(app: App, user, count: int) -> list[ClientSecret]:
    return [
        app_services.client_secret_create(app=app, created_by=user, name=f"Server {n}")[0]
        for n in range(1, count + 1)
    ]


def create_secret_through_the_form(page, password: str = PASSWORD) -> None:
    page.get_by_role("button", name="Create new client secret").click()
    expect(page.get_by_role("heading", name="Create new client secret")).to_be_visible()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create", exact=True).click()


# --- Create your first app --------------------------------------------------------------------


def test_a_new_user_creates_the_first_app_from_the_home_page(page, make_user, browser_errors):
    user = make_user("erin@example.com", organization="Erin Lending")
    log_in_with_apps(page, user.email)

    page.get_by_role("link", name=HOME_LINK).click()
    expect(page.get_by_role("heading", name="Create a new app")).to_be_visible()
    expect(
        page.get_by_text("neither the display name nor the app type can be changed")
    ).to_be_visible()
    screenshot(page, "apps-create")
    page.get_by_label("App name").fill("Erin sandbox")
    page.get_by_label("Display name (public)").fill("Erin Lending")
    app_type = page.get_by_role("group", name="App type")
    expect(app_type.get_by_role("radio", name="Production")).to_be_visible()
    app_type.get_by_role("radio", name="Sandbox").check()
    page.get_by_role("button", name="Create app").click()

    expect(app_heading(page, "Erin sandbox")).to_be_visible()
    app = App.objects.get(organization=organization_of(user))
    assert (app.name, app.display_name, app.app_type) == ("Erin sandbox", "Erin Lending", "sandbox")
    expect(page).to_have_url(re.compile(rf"/apps/{app.client_id}/$"))
    open_app_menu(page)
    expect(app_menu(page).get_by_role("link", name="Erin sandbox")).to_be_visible()
    screenshot(page, "apps-created-overview")
    assert browser_errors == []


# --- Create a client secret -------------------------------------------------------------------


def test_the_owner_creates_a_client_secret_sees_it_once_and_copies_it(
    page, live_server, alice, sandbox_app, browser_errors
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in_with_apps(page, alice.email)
    open_api_client_tab(page, sandbox_app.name)
    client_id = page.get_by_label("client_id")
    expect(client_id).to_have_value(CLIENT_ID_FORMAT)
    expect(client_id).to_have_value(sandbox_app.client_id)
    expect(page.get_by_text("Client secrets don't exist by default")).to_be_visible()
    screenshot(page, "apps-api-client-empty")

    create_secret_through_the_form(page)

    field = page.get_by_label("Client secret", exact=True)
    expect(field).to_be_visible()
    expect(field).not_to_be_editable()
    expect(field).to_have_attribute("readonly", "")
    plaintext = field.input_value()
    well_formed = SECRET_FORMAT.fullmatch(plaintext) is not None
    assert well_formed, "the new secret is not tink_cs_ followed by 49 letters and digits"
    (secret,) = ClientSecret.objects.filter(app=sandbox_app)
    hinted = plaintext.startswith(secret.hint) and len(secret.hint) == 12
    assert hinted, "the stored hint is not the secret's first 12 characters"
    expect(page.get_by_text("It can't be revealed later")).to_be_visible()
    screenshot(page, "apps-secret-created")

    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()") == plaintext
    assert copied, "the clipboard does not hold the new secret after Copy"

    page.reload()
    expect(page.get_by_text(FORM_USED)).to_be_visible()
    expect(page.get_by_label("Client secret", exact=True)).to_have_count(0)
    shown_again = plaintext in page.content()
    assert not shown_again, "a reload shows the secret again"
    assert ClientSecret.objects.filter(app=sandbox_app).count() == 1  # the reload minted none

    page.go_back()  # to the password form, before the reload
    expect(page.get_by_label("Client secret", exact=True)).to_have_count(0)
    shown_again = plaintext in page.content()
    assert not shown_again, "the back button shows the secret again"

    page.goto(f"/apps/{sandbox_app.client_id}/settings/api-client/")
    row = secret_row(page, secret.hint)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="Never", exact=True)).to_be_visible()
    listed_in_full = plaintext in page.content()
    assert not listed_in_full, "the API client tab lists the whole secret"
    assert ClientSecret.objects.filter(app=sandbox_app).count() == 1
    assert browser_errors == []


def test_the_back_button_after_done_does_not_show_the_secret_again(
    page, live_server, alice, sandbox_app, browser_errors
):
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)
    create_secret_through_the_form(page)
    plaintext = page.get_by_label("Client secret", exact=True).input_value()
    well_formed = SECRET_FORMAT.fullmatch(plaintext) is not None
    assert well_formed, "the Client secret field does not hold a new secret"

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", name="API credentials")).to_be_visible()
    # The secret page is no-store: Chromium neither shows it from its cache nor re-posts the
    # form, it asks to confirm the resubmission.
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        page.go_back()
    expect(page.get_by_label("Client secret", exact=True)).to_have_count(0)
    shown_again = plaintext in page.content()
    assert not shown_again, "the back button shows the secret again"

    page.reload()  # the user confirms the resubmission
    expect(page.get_by_text(FORM_USED)).to_be_visible()
    expect(page.get_by_label("Client secret", exact=True)).to_have_count(0)
    shown_again = plaintext in page.content()
    assert not shown_again, "resubmitting the form from history shows the secret again"
    assert ClientSecret.objects.filter(app=sandbox_app).count() == 1
    assert browser_errors == []


# --- The five-secret limit, revoking ----------------------------------------------------------


def test_at_five_active_secrets_create_new_client_secret_says_to_revoke_one(
    page, live_server, alice, sandbox_app, browser_errors
):
    make_secrets(sandbox_app, alice, 4)
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)
    expect(active_secret_count(page)).to_have_text("4 of 5 active secrets.")

    create_secret_through_the_form(page)
    expect(page.get_by_label("Client secret", exact=True)).to_be_visible()
    page.get_by_role("link", name="Done").click()
    expect(active_secret_count(page)).to_contain_text("5 of 5 active secrets.")
    expect(page.get_by_role("button", name=re.compile(r"^Revoke "))).to_have_count(5)
    # Shown disabled, with the reason beside it (issue 12, point 4)...
    create = page.get_by_role("button", name="Create new client secret")
    expect(create).to_be_disabled()
    expect(
        page.get_by_text("All 5 secrets are active. Revoke one to create or roll another.")
    ).to_be_visible()
    assert create.get_attribute("aria-describedby") == "secret-limit-reason"

    # ...and the form's own URL, opened anyway, still refuses.
    page.goto(f"/apps/{sandbox_app.client_id}/settings/api-client/secrets/new/")
    expect(
        page.get_by_text(
            "This app already has 5 active client secrets, the most it can have. "
            "Revoke one you no longer use, then create a new one."
        )
    ).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_role("button", name="Create", exact=True)).to_have_count(0)
    screenshot(page, "apps-secret-limit")
    page.get_by_role("link", name="Back to API client").click()
    expect(page.get_by_role("heading", name="API credentials")).to_be_visible()
    assert ClientSecret.objects.active().filter(app=sandbox_app).count() == 5
    assert browser_errors == []


def test_the_owner_revokes_a_secret_and_can_then_create_another(
    page, live_server, alice, sandbox_app, browser_errors
):
    first, *others = make_secrets(sandbox_app, alice, 5)
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)
    expect(active_secret_count(page)).to_contain_text("5 of 5 active secrets.")
    expect(page.get_by_role("group").filter(has_text="Revoked secrets")).to_have_count(0)

    page.get_by_role("button", name=f"Revoke {first.hint}…").click()
    expect(page.get_by_role("heading", name=f"Revoke client secret {first.hint}…?")).to_be_visible()
    expect(page.get_by_text("Name: Server 1")).to_be_visible()
    expect(page.get_by_text("This can't be undone.")).to_be_visible()
    screenshot(page, "apps-secret-revoke")
    page.get_by_role("button", name="Revoke", exact=True).click()

    expect(
        page.get_by_text(
            f"Client secret {first.hint}… is revoked. "
            f"It can no longer authenticate {sandbox_app.name}."
        )
    ).to_be_visible()
    expect(active_secret_count(page)).to_have_text("4 of 5 active secrets.")
    expect(page.get_by_role("button", name=f"Revoke {first.hint}…")).to_have_count(0)
    revoked = page.get_by_role("table", name="Revoked and expired client secrets")
    expect(revoked).to_be_hidden()  # folded until opened
    page.get_by_text("Revoked and expired secrets (1)").click()
    expect(secret_row(revoked, first.hint)).to_contain_text(alice.email)
    active = page.get_by_role("table", name="Active client secrets")
    expect(secret_row(active, first.hint)).to_have_count(0)
    for secret in others:
        expect(secret_row(active, secret.hint)).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot draws the sticky top bar in place
    screenshot(page, "apps-api-client-revoked")

    create_secret_through_the_form(page)
    expect(page.get_by_label("Client secret", exact=True)).to_be_visible()
    page.get_by_role("link", name="Done").click()
    expect(active_secret_count(page)).to_contain_text("5 of 5 active secrets.")
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == alice
    assert ClientSecret.objects.active().filter(app=sandbox_app).count() == 5
    assert browser_errors == []


# --- App settings and the dropdown --------------------------------------------------------------


def test_app_settings_rename_the_app_and_lock_display_name_and_app_type(
    page, live_server, alice, make_app, browser_errors
):
    make_app(alice, name="Payments test", display_name="Alice Pay")
    start_logged_in(page, live_server.url, alice)
    select_app(page, "Payments test")
    page.get_by_role("link", name="App settings").click()

    expect(page.get_by_role("heading", name="General")).to_be_visible()
    name = page.get_by_label("App name")
    expect(name).to_be_editable()
    expect(name).to_have_value("Payments test")
    expect(page.get_by_role("textbox", name="Display name (public)")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("combobox")).to_have_count(0)
    locked = page.get_by_role("definition")
    expect(page.get_by_role("term").filter(has_text="Display name (public)")).to_be_visible()
    expect(locked.filter(has_text="Alice Pay")).to_contain_text("Locked")
    expect(page.get_by_role("term").filter(has_text="App type")).to_be_visible()
    expect(locked.filter(has_text="Sandbox")).to_contain_text("Locked")
    screenshot(page, "apps-settings-general")

    name.fill("Payments staging")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("App name saved.")).to_be_visible()
    expect(app_heading(page, "Payments staging")).to_be_visible()
    expect(page.get_by_label("App name")).to_have_value("Payments staging")
    open_app_menu(page)
    menu = app_menu(page)
    expect(menu.get_by_role("link", name="Payments staging")).to_be_visible()
    expect(menu.get_by_role("link", name="Payments test")).to_have_count(0)
    app = App.objects.get()
    assert (app.name, app.display_name, app.app_type) == (
        "Payments staging",
        "Alice Pay",
        "sandbox",
    )
    assert browser_errors == []


def test_selecting_another_app_in_the_dropdown_keeps_the_api_client_tab(
    page, live_server, alice, make_app, browser_errors
):
    make_app(alice, name="App A")
    other = make_app(alice, name="App B")
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, "App A")

    select_app(page, "App B")

    expect(app_heading(page, "App B")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/apps/{other.client_id}/settings/api-client/$"))
    tabs = page.get_by_role("navigation", name="App settings")
    expect(tabs.get_by_role("link", name="API client")).to_have_attribute("aria-current", "page")
    expect(page.get_by_label("client_id")).to_have_value(other.client_id)
    assert browser_errors == []


# --- Roles and mistakes -----------------------------------------------------------------------


def test_a_viewer_sees_the_api_client_tab_without_create_or_revoke(
    page, live_server, alice, sandbox_app, add_member, browser_errors
):
    (secret,) = make_secrets(sandbox_app, alice, 1)
    viewer = add_member(organization_of(alice), "viewer")
    start_logged_in(page, live_server.url, viewer)
    open_api_client_tab(page, sandbox_app.name)

    expect(page.get_by_label("client_id")).to_have_value(sandbox_app.client_id)
    expect(secret_row(page, secret.hint)).to_have_count(1)
    expect(page.get_by_role("button", name="Create new client secret")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    expect(
        page.get_by_role("button", name=re.compile("Remove|Add new redirect URI"))
    ).to_have_count(0)
    screenshot(page, "apps-api-client-viewer")
    page.get_by_role("navigation", name="App settings").get_by_role("link", name="General").click()
    expect(page.get_by_role("textbox", name="App name")).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    assert browser_errors == []


def test_a_viewer_is_not_offered_to_create_an_app(
    page, live_server, alice, add_member, browser_errors
):
    """A viewer may not create apps (403), so no page links to the form."""
    viewer = add_member(organization_of(alice), "viewer")
    start_logged_in(page, live_server.url, viewer)

    offered = []
    if page.get_by_role("link", name="Create your first app").count():
        offered.append("the home page links to Create your first app")
    open_app_menu(page)
    expect(app_menu(page).get_by_text("No apps yet.")).to_be_visible()
    if app_menu(page).get_by_role("link", name="Create a new app").count():
        offered.append("the top dropdown menu links to Create a new app")
    assert not offered, "; ".join(offered)
    assert browser_errors == []


def test_a_wrong_password_shows_an_error_and_creates_no_secret(
    page, live_server, alice, sandbox_app, browser_errors
):
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)

    create_secret_through_the_form(page, password="not-the-right-password")

    field_error = page.locator(".field .errors").get_by_text(
        "That isn't your Console account password."
    )
    expect(field_error).to_be_visible()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("That isn't your Console account password.")
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_label("Client secret", exact=True)).to_have_count(0)
    screenshot(page, "apps-secret-wrong-password")
    assert not ClientSecret.objects.filter(app=sandbox_app).exists()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Client secrets don't exist by default")).to_be_visible()
    assert browser_errors == []


# --- Layout ---------------------------------------------------------------------------------

LINES_OF_TEXT = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
}"""


def lines_of_text(locator) -> int:
    """How many lines the element's text is laid out on."""
    return locator.evaluate(LINES_OF_TEXT)


def font_family(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).fontFamily")


def test_the_app_page_lines_up_its_cards_and_keeps_the_client_id_on_one_line(
    page, live_server, alice, sandbox_app, browser_errors
):
    start_logged_in(page, live_server.url, alice)
    select_app(page, sandbox_app.name)
    client_id = page.get_by_text(sandbox_app.client_id, exact=True)
    expect(client_id).to_be_visible()

    about = page.get_by_role("region", name="About this app").bounding_box()
    credentials = page.get_by_role("region", name="API credentials").bounding_box()
    problems = []
    if about["y"] != credentials["y"]:
        problems.append("the two cards side by side start at different heights")
    if lines_of_text(client_id) != 1:
        problems.append("the client_id is broken across lines")
    assert not problems, "; ".join(problems)
    assert browser_errors == []


def test_secrets_and_client_ids_are_shown_in_the_monospace_font_of_the_hint(
    page, live_server, alice, sandbox_app, browser_errors
):
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)
    create_secret_through_the_form(page)

    hint = ClientSecret.objects.get(app=sandbox_app).hint
    monospace = font_family(page.get_by_text(f"{hint}…", exact=True))
    # So that 0 and O, l, I and 1 can be told apart when someone copies a secret by eye.
    assert font_family(page.get_by_label("Client secret", exact=True)) == monospace
    assert font_family(page.get_by_label("client_id")) == monospace
    assert browser_errors == []
