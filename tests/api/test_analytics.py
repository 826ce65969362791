"""Analytics: tokens issued per day and failures by reason, per app and for the organization,
as a chart, a table and a CSV download."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from api.models import UsageCount

pytestmark = pytest.mark.django_db


def count(app, outcome: str, n: int, *, days_ago: int = 0, secret_pk: int = 0) -> None:
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    UsageCount.objects.create(
        app=app,
        secret_pk=secret_pk,
        hour=hour - timedelta(days=days_ago),
        outcome=outcome,
        count=n,
    )


def test_an_app_without_requests_says_what_to_do(alice_client, sandbox_app):
    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/").content.decode()
    assert "No token requests in the last 30 days." in page
    assert "Create a client secret" in page
    assert "<svg" not in page
    assert "<table" not in page, "no table of empty days"


def stats(page: str) -> dict[str, str]:
    """The summary cards: label -> number."""
    return dict(re.findall(r'<div class="stat[^"]*"><dt>([^<]+)</dt><dd>([^<]+)</dd></div>', page))


def table_days(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><time datetime="([\d-]+)">', page)


def test_the_app_page_leads_with_the_totals_of_each_outcome(alice_client, sandbox_app):
    count(sandbox_app, "issued", 40, secret_pk=1)
    count(sandbox_app, "issued", 2, days_ago=3, secret_pk=1)
    count(sandbox_app, "invalid_client", 5)
    count(sandbox_app, "throttled", 1, days_ago=1)
    count(sandbox_app, "issued", 999, days_ago=45, secret_pk=1)  # outside the 30 days

    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/").content.decode()

    assert stats(page) == {
        "Tokens issued": "42",
        "Failed requests": "6",
        "Client authentication failed": "5",
        "Scope not allowed": "0",
        "Malformed request": "0",
        "Unsupported grant type": "0",
        "Throttled": "1",
    }
    assert page.index('class="stats"') < page.index("<svg"), "the totals come first"
    assert 'role="img"' in page and "42 tokens issued and 6 failed requests" in page
    ninety = alice_client.get(f"/analytics/{sandbox_app.client_id}/?days=90").content.decode()
    assert stats(ninety)["Tokens issued"] == "1041"


def test_the_table_lists_only_the_days_with_requests_newest_first(alice_client, sandbox_app):
    count(sandbox_app, "issued", 40, secret_pk=1)
    count(sandbox_app, "issued", 2, days_ago=3, secret_pk=1)
    count(sandbox_app, "throttled", 1, days_ago=1)
    count(sandbox_app, "issued", 999, days_ago=45, secret_pk=1)  # outside the 30 days
    today = datetime.now(UTC).date()

    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/").content.decode()

    assert table_days(page) == [(today - timedelta(days=n)).isoformat() for n in (0, 1, 3)]
    assert "Days without requests are left out." in page
    ninety = alice_client.get(f"/analytics/{sandbox_app.client_id}/?days=90").content.decode()
    assert len(table_days(ninety)) == 4


def test_each_cell_of_the_table_names_its_outcome_for_a_phone(alice_client, sandbox_app):
    """On a phone the table stacks: each count shows its outcome's label (data-label)."""
    count(sandbox_app, "invalid_scope", 3)

    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/").content.decode()

    assert '<td data-label="Scope not allowed">3</td>' in page
    assert '<td data-label="Tokens issued" class="is-zero">0</td>' in page


def test_the_chart_of_a_day_with_8_requests_has_whole_ticks_up_to_8(alice_client, sandbox_app):
    """The issue: ticks every 2.5, rounded, read 0, 2, 5, 7, 10 and put a bar of 8 above 7."""
    count(sandbox_app, "issued", 6, secret_pk=1)
    count(sandbox_app, "invalid_client", 2)
    count(sandbox_app, "issued", 3, days_ago=2, secret_pk=1)

    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/?days=7").content.decode()

    tick = r'<text class="chart__axis chart__axis--y" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]+)<'
    axis = re.findall(tick, page)
    assert [label for _, label in axis] == ["0", "2", "4", "6", "8"]
    heights = re.findall(r'<rect class="chart__(issued|failed)"[^>]*height="(\d+)"', page)
    assert heights[-2:] == [("issued", "6"), ("failed", "2")], "today's bar, in requests"
    ticks = {label: float(y) for y, label in axis}
    transform = re.search(r'transform="translate\(0 ([\d.]+)\) scale\(1 -([\d.]+)\)"', page)
    base, scale = float(transform[1]), float(transform[2])
    assert base - 8 * scale == pytest.approx(ticks["8"]), "a bar of 8 ends on the line of 8"
    assert base == pytest.approx(ticks["0"])


def test_the_csv_has_one_row_per_day_and_a_column_per_outcome(alice_client, sandbox_app):
    count(sandbox_app, "issued", 7, secret_pk=1)
    count(sandbox_app, "invalid_scope", 2, days_ago=1)
    response = alice_client.get(f"/analytics/{sandbox_app.client_id}/export.csv?days=7")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "date (UTC)",
        "issued",
        "invalid_client",
        "invalid_scope",
        "invalid_request",
        "unsupported_grant_type",
        "throttled",
    ]
    assert len(rows) == 8
    today = datetime.now(UTC).date().isoformat()
    assert rows[-1] == [today, "7", "0", "0", "0", "0", "0"]
    assert rows[-2][3] == "2"


def test_the_overview_lists_every_app_with_its_totals(alice_client, alice, make_app):
    first = make_app(alice, name="First")
    second = make_app(alice, name="Second")
    count(first, "issued", 3, secret_pk=1)
    count(second, "invalid_client", 4)
    page = alice_client.get("/analytics/").content.decode()
    issued = '<td data-label="Tokens issued">{}</td>'
    failed = '<td data-label="Failed requests">{}</td>'
    assert f"{issued.format(3)}\n                {failed.format(0)}" in page
    assert f"{issued.format(0)}\n                {failed.format(4)}" in page
    assert "3 tokens issued and 4 failed requests" in page
    assert stats(page)["Tokens issued"] == "3"
    assert stats(page)["Client authentication failed"] == "4"


def test_another_organizations_analytics_are_404(alice_client, charlie, make_app):
    theirs = make_app(charlie, name="Theirs")
    assert alice_client.get(f"/analytics/{theirs.client_id}/").status_code == 404
    assert alice_client.get(f"/analytics/{theirs.client_id}/export.csv").status_code == 404


def test_a_viewer_sees_analytics(client, alice, sandbox_app, add_member):
    from tests.conftest import organization_of

    viewer = add_member(organization_of(alice), "viewer")
    client.force_login(viewer)
    assert client.get(f"/analytics/{sandbox_app.client_id}/").status_code == 200
    assert client.get("/analytics/").status_code == 200


def test_the_pages_take_a_constant_number_of_queries(
    alice_client, alice, make_app, django_assert_max_num_queries
):
    apps = [make_app(alice, name=f"App {n}") for n in range(30)]
    for app in apps:
        for days_ago in range(0, 90, 3):
            count(app, "issued", 5, days_ago=days_ago, secret_pk=1)
            count(app, "invalid_client", 1, days_ago=days_ago)
    with django_assert_max_num_queries(9):
        alice_client.get("/analytics/?days=90")
    with django_assert_max_num_queries(9):
        alice_client.get(f"/analytics/{apps[0].client_id}/?days=90")
