"""In Chromium, at 1280 px and on a 390 px phone: the new secret seen whole in its field, the
"Get a token" command copied, the recovery codes copied and downloaded, and Cancel on
"Confirm it's you". Secrets and codes are compared in booleans, never printed."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_apps_journey import (
    create_secret_through_the_form,
    open_api_client_tab,
    start_logged_in,
)
from tests.conftest import PASSWORD, give_two_factor

pytestmark = pytest.mark.browser

# A phone page (is_mobile) widens its layout viewport to fit what is too wide, so
# window.innerWidth grows with an overflow: the page is measured against the screen's width.
FITS = """([id, screen]) => {
    const field = document.getElementById(id);
    return {
        hidden: field.scrollHeight - field.clientHeight,
        sideways: field.scrollWidth - field.clientWidth,
        page: document.scrollingElement.scrollWidth - screen,
    };
}"""


def sideways(page) -> int:
    """How far the page is wider than the screen."""
    return page.evaluate("document.scrollingElement.scrollWidth") - page.viewport_size["width"]


def assert_seen_whole(page, field_id: str, *, lines_only: bool = False) -> None:
    """The field shows all of its text (nothing scrolled away) and the page fits its width.
    `lines_only`: a command keeps its lines, so on a phone they may scroll sideways in the
    field (never the page)."""
    overflow = page.evaluate(FITS, [field_id, page.viewport_size["width"]])
    assert overflow["hidden"] <= 0, overflow
    assert lines_only or overflow["sideways"] <= 0, overflow
    assert overflow["page"] <= 0, overflow


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_new_secret_is_seen_whole_with_what_to_do_next(
    width, page, phone_390, live_server, alice, sandbox_app, browser_errors
):
    tab = page if width == "desktop" else phone_390
    if width == "desktop":
        tab.set_viewport_size({"width": 1280, "height": 800})
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    start_logged_in(tab, live_server.url, alice)
    open_api_client_tab(tab, sandbox_app.name)
    create_secret_through_the_form(tab)

    secret = tab.get_by_label("Client secret", exact=True)
    expect(secret).to_have_attribute("readonly", "")
    plaintext = secret.input_value()
    assert_seen_whole(tab, "client-secret")
    expect(tab.get_by_text("It can't be revealed later")).to_be_visible()
    expect(tab.get_by_role("heading", name="What to do next")).to_be_visible()
    curl = tab.get_by_label("Request a token with curl").input_value()
    only_a_placeholder = "YOUR_CLIENT_SECRET" in curl and plaintext not in curl
    assert only_a_placeholder, "the command holds the real secret"
    assert_seen_whole(tab, "token-curl", lines_only=True)
    screenshot(tab, f"apps-secret-created-{width}")

    tab.get_by_role("button", name="Copy").first.click()
    copied = tab.evaluate("navigator.clipboard.readText()") == plaintext
    assert copied, "Copy doesn't copy the whole secret"
    assert browser_errors == []


def test_the_api_client_tab_copies_the_token_request_on_a_phone(
    phone_390, live_server, alice, sandbox_app, browser_errors
):
    phone_390.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    start_logged_in(phone_390, live_server.url, alice)
    open_api_client_tab(phone_390, sandbox_app.name)

    expect(phone_390.get_by_role("heading", name="Get a token")).to_be_visible()
    command = phone_390.get_by_label("Request a token with curl")
    assert command.input_value().startswith(f"curl {live_server.url}/api/v1/oauth/token \\\n")
    assert_seen_whole(phone_390, "token-url")
    assert_seen_whole(phone_390, "token-curl", lines_only=True)
    assert_seen_whole(phone_390, "client-id")
    panel = phone_390.get_by_role("region", name="Get a token")
    panel.get_by_role("button", name="Copy").nth(1).click()
    copied = phone_390.evaluate("navigator.clipboard.readText()")
    assert copied == command.input_value()
    assert f"client_id={sandbox_app.client_id}" in copied
    panel.get_by_role("link", name="API reference").click()
    expect(phone_390.get_by_role("heading", name="Tink API (Console) reference")).to_be_visible()
    expect(phone_390.get_by_role("heading", name="POST /api/v1/oauth/token")).to_be_visible()
    assert sideways(phone_390) <= 0
    assert browser_errors == []


def confirm_password(tab) -> None:
    expect(tab.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Confirm").click()


def test_recovery_codes_are_copied_and_downloaded_as_a_text_file(
    phone_390, live_server, alice, browser_errors
):
    tab = phone_390
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    give_two_factor(alice)
    RecoveryCodes.activate(alice)
    start_logged_in(tab, live_server.url, alice)
    tab.goto("/accounts/2fa/recovery-codes/")
    confirm_password(tab)

    codes = tab.get_by_label("Unused codes").input_value()
    assert len(codes.split()) == 10
    tab.get_by_role("button", name="Copy").click()
    expect(tab.get_by_text("Copied to the clipboard.")).to_be_visible()
    copied = tab.evaluate("navigator.clipboard.readText()") == codes
    assert copied, "Copy doesn't copy every code"
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Download (.txt)").click()
    assert download.value.suggested_filename == "recovery-codes.txt"
    with open(download.value.path(), encoding="utf-8") as file:
        same = file.read().split() == codes.split()
    assert same, "the file doesn't hold the codes shown"
    assert sideways(tab) <= 0
    screenshot(tab, "recovery-codes-phone")
    assert browser_errors == []


def test_cancel_on_confirm_its_you_goes_back_to_where_the_user_came_from(
    page, live_server, alice, browser_errors
):
    start_logged_in(page, live_server.url, alice)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    screenshot(page, "reauthenticate")

    page.get_by_role("link", name="Cancel").click()

    expect(page.get_by_role("heading", name="Two-factor log-in", level=1)).to_be_visible()
    page.goto("/accounts/reauthenticate/?next=https://evil.example/")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(f"{live_server.url}/settings/")
    assert browser_errors == []
