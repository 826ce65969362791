"""Analytics: tokens issued per day and failures by reason, per app and for the organization,
as a chart, a table and a CSV download."""

import csv
import io
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


def test_the_app_page_shows_totals_chart_table_and_reasons(alice_client, sandbox_app):
    count(sandbox_app, "issued", 40, secret_pk=1)
    count(sandbox_app, "issued", 2, days_ago=3, secret_pk=1)
    count(sandbox_app, "invalid_client", 5)
    count(sandbox_app, "throttled", 1, days_ago=1)
    count(sandbox_app, "issued", 999, days_ago=45, secret_pk=1)  # outside the 30 days
    page = alice_client.get(f"/analytics/{sandbox_app.client_id}/").content.decode()
    assert "<strong>42</strong> tokens issued" in page
    assert "<strong>6</strong> failed requests" in page
    assert "client authentication failed: 5, throttled: 1" in page
    assert 'role="img"' in page and "42 tokens issued and 6 failed requests" in page
    assert page.count('<th scope="row">') == 30
    ninety = alice_client.get(f"/analytics/{sandbox_app.client_id}/?days=90").content.decode()
    assert "<strong>1041</strong> tokens issued" in ninety
    assert ninety.count('<th scope="row">') == 90


@pytest.mark.parametrize("days", ["0", "abc", "1000", "-7"])
def test_an_odd_range_falls_back_to_30_days(alice_client, sandbox_app, days):
    response = alice_client.get(f"/analytics/{sandbox_app.client_id}/?days={days}")
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == 30


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
    assert "<td>3</td>\n                <td>0</td>" in page
    assert "<td>0</td>\n                <td>4</td>" in page
    assert "3 tokens issued and 4 failed requests" in page


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
