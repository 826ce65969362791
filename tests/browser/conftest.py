"""Headless Chromium through Playwright, against pytest-django's live server.

Playwright can't download its own browsers here, so the system Chromium is used. The live
server speaks plain http, where Chromium refuses the production cookies (Secure, __Host-),
so those four settings are relaxed for browser tests only; tests/test_security_headers.py
checks the real ones.
"""

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, skip_or_fail, totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# CONSOLE_SCREENSHOT_DIR=/tmp/shots saves screenshots of key pages for a human to look at.
SCREENSHOT_DIR = os.environ.get("CONSOLE_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def chromium(django_db_setup):
    """One Chromium per test module, started after the test database exists.

    Playwright's sync API keeps an asyncio event loop on the main thread while it runs, and
    Django then refuses ORM calls from that thread (SynchronousOnlyOperation) - the test's own
    fixtures and assertions, and pytest-django's flush. Nothing here is concurrent (the test
    waits while Chromium talks to the live server thread), so the guard is lifted exactly as
    long as Playwright runs: module scope keeps it away from the rest of the suite.
    """
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"{CHROMIUM} is not installed, so browser tests cannot run")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - it is a test dependency
        skip_or_fail("playwright is not installed, so browser tests cannot run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def browser_settings(settings, live_server):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME = "sessionid"
    settings.CSRF_COOKIE_NAME = "csrftoken"
    # Email links must lead back to this live server.
    settings.CONSOLE_BASE_URL = live_server.url
    return settings


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors and uncaught exceptions, CSP violations among them."""
    return []


def _new_page(chromium, live_server, browser_errors, **context_options):
    context = chromium.new_context(base_url=live_server.url, **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda message: browser_errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: browser_errors.append(str(error)))
    return context, page


@pytest.fixture
def page(chromium, live_server, browser_settings, browser_errors) -> Iterator:
    context, page = _new_page(chromium, live_server, browser_errors)
    yield page
    context.close()


@pytest.fixture
def phone(chromium, live_server, browser_settings, browser_errors) -> Iterator:
    """A phone-size page: 375x812, touch, a phone's pixel ratio."""
    context, page = _new_page(
        chromium,
        live_server,
        browser_errors,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()


@pytest.fixture
def phone_390(chromium, live_server, browser_settings, browser_errors) -> Iterator:
    """The screenshot sweep's phone: 390x844 (a current iPhone), touch."""
    context, page = _new_page(
        chromium,
        live_server,
        browser_errors,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()


@pytest.fixture
def new_person(chromium, live_server, browser_settings, browser_errors) -> Iterator[Callable]:
    """Opens a page in a browser context of its own, as another person would: no cookie of any
    other page's session. Its console errors go to browser_errors too."""
    contexts = []

    def open_page():
        context, page = _new_page(chromium, live_server, browser_errors)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the Log in page, by its visible labels."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def screenshot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


def link_in_email(body: str, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/\S+", body)
    assert match, "the email has no link under CONSOLE_BASE_URL"
    return match.group(0)


def fresh_totp_code(secret: str, margin: float = 3.0) -> str:
    """The authenticator app's code, with at least `margin` seconds of its 30 left: a code
    typed just as its period ends would be refused (MFA_TOTP_TOLERANCE is 0)."""
    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.1)
    return totp_code(secret)
