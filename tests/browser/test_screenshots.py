"""`make screenshots`: every page at 1280x800 and 390x844, for a reviewer to look at together.

Not part of `make test` (pytest -m "not screenshots" in pyproject.toml): it checks nothing,
it writes PNG files to CONSOLE_SCREENSHOT_DIR (default: screenshots/ in the checkout), named
<who>-<width>-<page>.png. Logged out, then as the owner of an organization part-way to
production (tests.browser.tour); then the admin, as staff with a day of KYB review in it
(tour.populate_review), logged in through the Console's log-in and its two-factor step.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD

from .conftest import fresh_totp_code, log_in
from .tour import owner_pages, pages, populate, populate_review

pytestmark = [
    pytest.mark.screenshots,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FOLDER = Path(os.environ.get("CONSOLE_SCREENSHOT_DIR") or Path(__file__).parents[2] / "screenshots")


def file_name(who: str, width: str, path: str, names: dict[str, str]) -> str:
    for value, name in names.items():  # stable names: ids change from run to run
        path = path.replace(value, name)
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
    return f"{who}-{width}-{slug[:80]}.png"


def shoot(chromium, live_server, who, paths: list[tuple[str, str]], email, names=None):
    FOLDER.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        context = chromium.new_context(base_url=live_server.url, viewport=viewport)
        page = context.new_page()
        if email:
            log_in(page, email, PASSWORD)
        for _name, path in paths:
            page.goto(path)
            name = file_name(who, width, path, names or {})
            page.screenshot(path=str(FOLDER / name), full_page=True)
        context.close()


def test_every_page_at_both_widths(chromium, live_server, browser_settings, make_user, catalog):
    anonymous = pages(Client())
    tour = populate(make_user)
    visited = owner_pages(tour)

    shoot(chromium, live_server, "anonymous", anonymous, None)
    names = {tour.sandbox.client_id: "sandbox", tour.production.client_id: "production"}
    shoot(chromium, live_server, "owner", visited, tour.owner.email, names)
    print(f"\n{len(anonymous) + len(visited)} pages x 2 widths written to {FOLDER}")


def test_the_admin_at_both_widths(chromium, live_server, browser_settings, make_user, catalog):
    tour = populate_review(make_user)
    FOLDER.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        context = chromium.new_context(base_url=live_server.url, viewport=viewport)
        page = context.new_page()
        cache.clear()  # the code used at the other width may still be current: forget it
        page.goto("/admin/")
        page.get_by_label("Email").fill(tour.staff.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Code").fill(fresh_totp_code(tour.secret))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        for name, path in tour.pages:
            page.goto(path)
            page.screenshot(path=str(FOLDER / f"staff-{width}-admin-{name}.png"), full_page=True)
        context.close()
    print(f"\n{len(tour.pages)} admin pages x 2 widths written to {FOLDER}")
