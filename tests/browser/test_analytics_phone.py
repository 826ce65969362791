"""Analytics on a 390 px phone: the totals, the chart and every failure reason readable
without scrolling sideways, the page's or the table's."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from api.models import UsageCount
from tests.browser.conftest import screenshot
from tests.browser.test_apps_journey import start_logged_in

pytestmark = pytest.mark.browser


def count(app, outcome: str, n: int, days_ago: int = 0) -> None:
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    UsageCount.objects.create(
        app=app, hour=hour - timedelta(days=days_ago), outcome=outcome, count=n
    )


def test_on_a_phone_every_failure_reason_of_a_day_is_readable_without_scrolling_sideways(
    phone_390, live_server, alice, sandbox_app, browser_errors
):
    page = phone_390
    for outcome in (
        "issued",
        "invalid_client",
        "invalid_scope",
        "invalid_request",
        "unsupported_grant_type",
        "throttled",
    ):
        count(sandbox_app, outcome, 1234)
    count(sandbox_app, "invalid_client", 3, days_ago=4)
    start_logged_in(page, live_server.url, alice)

    page.goto(f"/analytics/{sandbox_app.client_id}/")

    expect(page.get_by_role("heading", name="Failed requests by reason")).to_be_visible()
    today = page.get_by_role("row").nth(1)
    for reason in (
        "Tokens issued",
        "Client authentication failed",
        "Scope not allowed",
        "Malformed request",
        "Unsupported grant type",
        "Throttled",
    ):
        # On a phone each cell shows its outcome's label before the count.
        cell = today.get_by_role("cell", name=f"{reason} 1234", exact=True)
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, reason
    widths = page.evaluate(
        """() => ({
            page: document.scrollingElement.scrollWidth,
            table: [...document.querySelectorAll('.table-wrap')]
                .map(w => w.scrollWidth - w.clientWidth),
        })"""
    )
    # A phone page (is_mobile) widens window.innerWidth to fit an overflow: the page is
    # measured against the screen's 390 px.
    assert widths["page"] <= page.viewport_size["width"] == 390, widths
    assert widths["table"] == [0], "the table scrolls sideways"
    four_days_ago = page.get_by_role("row").nth(2)
    expect(four_days_ago.get_by_role("cell", name="Client authentication failed 3")).to_be_visible()
    expect(four_days_ago.get_by_role("cell", name="Tokens issued 0")).to_be_visible()
    # A day's reasons with no requests are left out of its block.
    expect(four_days_ago.get_by_role("cell", name="Throttled 0")).to_have_count(0)
    screenshot(page, "analytics-app-phone")
    assert browser_errors == []


def test_on_a_phone_the_overview_lists_each_app_without_scrolling_sideways(
    phone_390, live_server, alice, make_app, browser_errors
):
    app = make_app(alice, name="A sandbox app with a rather long name for a phone")
    count(app, "issued", 123456)
    count(app, "invalid_client", 7890)
    start_logged_in(phone_390, live_server.url, alice)

    phone_390.goto("/analytics/")

    row = phone_390.get_by_role("row").filter(has_text=app.name)
    expect(row.get_by_role("cell", name="Failed requests 7890")).to_be_visible()
    widths = phone_390.evaluate(
        """() => ({
            page: document.scrollingElement.scrollWidth,
            table: [...document.querySelectorAll('.table-wrap')]
                .map(w => w.scrollWidth - w.clientWidth),
        })"""
    )
    assert widths["page"] <= phone_390.viewport_size["width"], widths
    assert widths["table"] == [0], "the table scrolls sideways"
    assert browser_errors == []
