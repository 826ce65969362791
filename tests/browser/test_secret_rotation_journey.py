"""Rolling a client secret in Chromium, by the pages' visible labels (issue 14): the date field
appears only for "On a date", the new secret is shown once, and the old one's row then says
when it expires. No plaintext secret is printed: it is checked in booleans only."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps import services as app_services
from apps.models import ClientSecret
from tests.browser.conftest import screenshot
from tests.browser.test_apps_journey import open_api_client_tab, secret_row, start_logged_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SECRET_FORMAT = re.compile(r"^tink_cs_[A-Za-z0-9]{49}$")


def test_the_owner_rolls_a_secret_and_the_old_one_expires_on_the_chosen_date(
    page, live_server, alice, sandbox_app, browser_errors
):
    old, _ = app_services.client_secret_create(app=sandbox_app, created_by=alice, name="Backend")
    start_logged_in(page, live_server.url, alice)
    open_api_client_tab(page, sandbox_app.name)
    secret_row(page, old.hint).get_by_role("button", name=f"Roll {old.hint}…").click()
    expect(page.get_by_role("heading", name=f"Roll client secret {old.hint}…")).to_be_visible()

    date = page.get_by_label("Expiry date")
    expect(date).to_be_hidden()  # "In 24 hours" is chosen: no date to give
    page.get_by_label("On a date").check()
    expect(date).to_be_visible()
    day = (timezone.now() + timedelta(days=10)).date()
    date.fill(day.isoformat())
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "secret-roll-form")
    page.get_by_role("button", name="Roll secret").click()

    shown = page.get_by_label("Client secret", exact=True).input_value()
    assert SECRET_FORMAT.fullmatch(shown) is not None
    expect(page.locator("#rolled-notice")).to_contain_text(
        f"The old secret {old.hint}… keeps working until {day:%-d %b %Y}, 00:00 UTC"
    )
    screenshot(page, "secret-rolled")
    page.get_by_role("link", name="Done").click()
    expect(secret_row(page, old.hint)).to_contain_text(re.compile(r"Expires in (9|10) days"))
    old.refresh_from_db()
    assert old.expires_at.date() == day and old.is_active
    assert ClientSecret.objects.active().filter(app=sandbox_app).count() == 2
    assert browser_errors == []


def test_rolling_now_ends_the_old_secret_and_lists_it_as_expired(
    page, live_server, alice, sandbox_app, browser_errors
):
    old, _ = app_services.client_secret_create(app=sandbox_app, created_by=alice, name="Backend")
    start_logged_in(page, live_server.url, alice)
    page.goto(f"/apps/{sandbox_app.client_id}/settings/api-client/secrets/{old.pk}/roll/")
    page.get_by_label("Now").check()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Roll secret").click()
    expect(page.locator("#rolled-notice")).to_have_text(
        f"The old secret {old.hint}… stopped working now."
    )
    page.get_by_role("link", name="Done").click()
    page.get_by_text("Revoked and expired secrets (1)").click()
    ended = page.get_by_role("table", name="Revoked and expired client secrets")
    expect(ended.get_by_role("row").filter(has_text=f"{old.hint}…")).to_contain_text("Expired")
    assert browser_errors == []
