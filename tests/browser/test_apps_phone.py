"""The app pages on a phone: 375 px wide, touch. Nothing may widen the page sideways.

A phone page (is_mobile) widens its layout viewport to fit content that is too wide, so
window.innerWidth grows with the overflow: the page is measured against the phone's width.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_apps_journey import (
    create_secret_through_the_form,
    lines_of_text,
    make_secrets,
    open_api_client_tab,
    secret_row,
    start_logged_in,
)

pytestmark = pytest.mark.browser


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_fits_the_phone(page) -> None:
    width, phone_width = page_width(page), page.viewport_size["width"]
    assert width <= phone_width, f"the page is {width} px wide on a {phone_width} px phone"


def test_on_a_phone_create_a_new_app_fits_the_screen(phone, live_server, alice, browser_errors):
    start_logged_in(phone, live_server.url, alice)
    phone.get_by_role("link", name="Create your first app").click()

    expect(phone.get_by_role("heading", name="Create a new app")).to_be_visible()
    assert_fits_the_phone(phone)
    create = phone.get_by_role("button", name="Create app")
    create.scroll_into_view_if_needed()
    expect(create).to_be_in_viewport(ratio=1)
    screenshot(phone, "apps-create-phone")
    assert browser_errors == []


def test_on_a_phone_a_new_secret_and_its_copy_button_fit_the_screen(
    phone, live_server, alice, sandbox_app, browser_errors
):
    start_logged_in(phone, live_server.url, alice)
    open_api_client_tab(phone, sandbox_app.name)
    create_secret_through_the_form(phone)

    expect(phone.get_by_label("Client secret", exact=True)).to_be_in_viewport()
    expect(phone.get_by_role("button", name="Copy").first).to_be_in_viewport(ratio=1)
    assert_fits_the_phone(phone)
    screenshot(phone, "apps-secret-created-phone")
    assert browser_errors == []


def test_on_a_phone_the_secrets_table_keeps_each_hint_and_revoke_button_on_one_line(
    phone, live_server, alice, sandbox_app, browser_errors
):
    """A narrow table scrolls sideways inside its card; it doesn't break words into letters."""
    secrets = make_secrets(sandbox_app, alice, 2)
    start_logged_in(phone, live_server.url, alice)
    open_api_client_tab(phone, sandbox_app.name)
    screenshot(phone, "apps-api-client-phone")

    for secret in secrets:
        row = secret_row(phone, secret.hint)
        assert lines_of_text(row.get_by_text(f"{secret.hint}…", exact=True)) == 1, secret.name
        revoke = row.get_by_role("button", name=re.compile(r"^Revoke "))
        assert lines_of_text(revoke) == 1, secret.name
    assert_fits_the_phone(phone)
    assert browser_errors == []
