"""A new user's first visit, driven through the pages by their visible labels (PRODUCT.md)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import link_in_email, log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "dana@example.com"
ORGANIZATION = "Dana Lending"
LOGIN_PATH = re.compile(r"/accounts/login/")


def expect_log_in_page(page) -> None:
    expect(page).to_have_url(LOGIN_PATH)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_new_user_signs_up_verifies_the_email_logs_in_and_logs_out(
    page, live_server, mailoutbox, browser_errors
):
    page.goto("/")
    expect_log_in_page(page)
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    screenshot(page, "login")

    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Organization name").fill(ORGANIZATION)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_text("open the email we've sent you")).to_be_visible()
    (message,) = mailoutbox
    assert message.to == [EMAIL]
    link = link_in_email(message.body, live_server.url)

    page.goto(link)
    expect(page.get_by_text(EMAIL)).to_be_visible()
    page.get_by_role("button", name="Verify email").click()
    expect_log_in_page(page)

    log_in(page, EMAIL)
    expect(page.get_by_role("link", name="Create your first app")).to_be_visible()
    expect(page.get_by_title("Organization")).to_have_text(ORGANIZATION)
    screenshot(page, "home")

    page.locator("summary", has_text=f"Account menu for {EMAIL}").click()
    page.get_by_role("button", name="Log out").click()
    expect_log_in_page(page)
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    page.goto("/")
    expect_log_in_page(page)
    assert browser_errors == []


def test_an_unverified_user_is_told_to_verify_and_is_not_let_in(
    page, make_user, mailoutbox, browser_errors
):
    make_user("uma@example.com", verified=False, organization="Uma Savings")

    log_in(page, "uma@example.com")

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("to verify your account")).to_be_visible()
    assert [message.to for message in mailoutbox] == [["uma@example.com"]]
    page.goto("/")
    expect_log_in_page(page)
    assert browser_errors == []


def test_a_wrong_password_shows_an_error_and_stays_logged_out(page, alice, browser_errors):
    log_in(page, alice.email, password="not-the-right-password")

    expect_log_in_page(page)
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(alice.email)
    expect(page.get_by_label("Password")).to_have_value("")
    page.goto("/")
    expect_log_in_page(page)
    assert browser_errors == []


# --- Small screens and keyboards ------------------------------------------------------------

NAVIGATION = ["Home", "Apps", "Analytics", "Go live", "Products", "Team", "Settings"]


def horizontal_overflow(page) -> int:
    # Against the viewport, not window.innerWidth: on a phone innerWidth grows with content.
    return page.evaluate("document.scrollingElement.scrollWidth") - page.viewport_size["width"]


def test_on_a_phone_the_home_page_fits_the_screen_and_shows_the_navigation(
    phone, alice, browser_errors
):
    log_in(phone, alice.email)
    expect(phone.get_by_role("link", name="Create your first app")).to_be_visible()

    assert horizontal_overflow(phone) <= 0
    screenshot(phone, "home-phone")
    # The sidebar folds into the top bar's Menu button (issue 12, point 6).
    expect(phone.get_by_role("navigation", name="Console", exact=True)).to_be_hidden()
    menu = phone.locator("summary", has_text=re.compile(r"^\s*Menu\s*$"))
    expect(menu).to_be_in_viewport()
    menu.click()
    navigation = phone.get_by_role("navigation", name="Console menu")
    for name in NAVIGATION:
        link = navigation.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        expect(link).to_be_in_viewport()
    expect(navigation.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    phone.mouse.click(200, 800)  # a click outside closes it
    expect(navigation).to_be_hidden()
    assert horizontal_overflow(phone) <= 0
    assert browser_errors == []


def test_on_a_phone_the_log_in_and_sign_up_pages_fit_the_screen(phone, browser_errors):
    for path in ("/accounts/login/", "/accounts/signup/"):
        phone.goto(path)
        expect(phone.get_by_label("Email")).to_be_in_viewport()
        assert horizontal_overflow(phone) <= 0, path
    assert browser_errors == []


def tab_to(page, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press("Tab")


def test_the_keyboard_reaches_skip_to_content_first_then_the_log_in_controls(page, browser_errors):
    page.goto("/accounts/login/")

    tab_to(page)
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then shown

    order = [
        page.get_by_label("Email"),
        page.get_by_label("Password"),
        page.get_by_role("button", name="Log in"),
        page.get_by_role("link", name="Sign up"),
    ]
    for control in order:
        for _ in range(5):  # a few other stops (the logo link) may come between
            tab_to(page)
            if control.evaluate("element => element === document.activeElement"):
                break
        expect(control).to_be_focused()
    assert browser_errors == []


def test_skip_to_content_jumps_over_the_console_navigation(page, alice, browser_errors):
    log_in(page, alice.email)
    expect(page.get_by_role("link", name="Create your first app")).to_be_visible()

    tab_to(page)
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page)

    expect(page.get_by_role("link", name="Create your first app")).to_be_focused()
    assert browser_errors == []
