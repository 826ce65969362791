"""The organization's audit log page and its CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Membership, Organization, Role
from accounts.views.audit import CSV_COLUMNS, PER_PAGE, csv_cell
from tests.conftest import client_for, organization_of

pytestmark = pytest.mark.django_db

LOG = reverse("accounts:audit_log")
EXPORT = reverse("accounts:audit_export")
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def entry(organization: Organization, **fields) -> AuditEvent:
    """An entry as a service would append it (with any time, for the date filters)."""
    values = {
        "actor_email": "alice@example.com",
        "action": AuditEvent.Action.APP_CREATE,
        "target_type": "app",
        "target_id": "0" * 32,
        "target_label": "Demo Bank sandbox",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari",
        "details": {"app_type": "sandbox"},
    }
    values.update(fields)
    return AuditEvent.objects.create(organization=organization, **values)


def rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def export(client, **query) -> list[dict[str, str]]:
    response = client.get(EXPORT, query)
    assert response.status_code == 200
    header, *body = rows(response)
    return [dict(zip(header, row, strict=True)) for row in body]


# --- Who may read it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_read_the_log(client, org, add_member, role):
    entry(org, target_label="Only in Alice Fintech")
    client_for(client, add_member(org, role))
    response = client.get(LOG)
    assert response.status_code == 200
    assert "Only in Alice Fintech" in response.content.decode()
    assert client.get(EXPORT).status_code == 200


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.VIEWER])
@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_developers_and_viewers_are_refused(client, org, add_member, role, url):
    entry(org, target_label="Only in Alice Fintech")
    client_for(client, add_member(org, role))
    response = client.get(url)
    assert response.status_code == 403
    assert b"Only in Alice Fintech" not in response.content


@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_an_anonymous_visitor_is_sent_to_log_in(client, org, url):
    entry(org)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_a_user_without_an_organization_is_sent_home(client, make_user, url):
    client_for(client, make_user("loner@example.com", organization=None))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_an_owner_of_another_organization_sees_only_their_own(client, org, charlie):
    entry(org, target_label="Alice private app", actor_email="alice@example.com")
    entry(organization_of(charlie), target_label="Charlie app", actor_email="charlie@example.org")
    client_for(client, charlie)

    page = client.get(LOG).content.decode()
    exported = export(client)

    assert "Charlie app" in page
    assert "Alice private app" not in page and "alice@example.com" not in page
    assert {row["target"] for row in exported} >= {"Charlie app"}
    assert "Alice private app" not in {row["target"] for row in exported}
    assert "alice@example.com" not in {row["actor"] for row in exported}


def test_a_member_of_two_organizations_reads_the_current_ones_log(client, org, charlie, alice):
    Membership.objects.create(user=alice, organization=organization_of(charlie), role=Role.ADMIN)
    entry(org, target_label="In Alice Fintech")
    entry(organization_of(charlie), target_label="In Charlie Bank")
    client_for(client, alice)
    session = client.session
    session["organization_id"] = organization_of(charlie).pk
    session.save()

    page = client.get(LOG).content.decode()

    assert "In Charlie Bank" in page
    assert "In Alice Fintech" not in page


# --- What it shows ----------------------------------------------------------------------------


def test_each_entry_shows_time_actor_action_target_ip_and_user_agent(alice_client, org):
    agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5"
    entry(
        org,
        created_at=datetime(2025, 3, 2, 14, 5, 9, tzinfo=UTC),
        actor_email="bob@example.com",
        action=AuditEvent.Action.MEMBER_ROLE_CHANGE,
        target_type="user",
        target_id="dan@example.com",
        target_label="dan@example.com",
        ip="198.51.100.23",
        user_agent=agent,
        details={"old_role": "developer", "new_role": "admin"},
    )
    entry(
        org,
        actor_email="bob@example.com",
        action=AuditEvent.Action.PRODUCTION_ACCESS_REQUEST,
        details={"product": "transactions", "apps": ["a" * 32, "b" * 32]},
    )
    page = alice_client.get(LOG, {"actor": "bob@example.com"}).content.decode()

    assert ">2 Mar 2025, 14:05</time>" in page  # the Console's one timestamp format
    assert 'title="2 Mar 2025, 14:05:09 UTC"' in page
    assert "bob@example.com" in page
    assert "Role changed" in page
    assert "old role: developer; new role: admin" in page
    assert f"apps: {'a' * 32}, {'b' * 32}; product: transactions" in page
    assert "dan@example.com" in page and "(user)" in page
    assert "198.51.100.23" in page
    assert f'title="{agent}"' in page  # the full string on hover
    assert f">{agent}<" not in page  # named as people name it, not the raw string
    assert ">Apple Mail on Mac OS X<" in page  # ua-parser: a WebKit string with no Safari token


def test_times_are_utc_whatever_the_servers_time_zone(alice_client, org, settings):
    settings.TIME_ZONE = "America/New_York"
    entry(org, actor_email="bob@example.com", created_at=datetime(2025, 3, 2, 1, 5, 9, tzinfo=UTC))

    page = alice_client.get(LOG, {"actor": "bob@example.com"}).content.decode()
    (row,) = export(alice_client, actor="bob@example.com")

    assert ">2 Mar 2025, 01:05</time>" in page
    assert row["time_utc"] == "2025-03-02T01:05:09Z"


def test_entries_come_newest_first(alice_client, org):
    now = timezone.now()
    entry(org, target_label="The oldest", created_at=now - timedelta(days=2))
    entry(org, target_label="The newest", created_at=now + timedelta(minutes=1))
    entry(org, target_label="In between", created_at=now - timedelta(days=1))
    page = alice_client.get(LOG).content.decode()
    assert page.index("The newest") < page.index("In between") < page.index("The oldest")


def test_an_empty_result_says_so(alice_client, org):
    page = alice_client.get(LOG, {"action": AuditEvent.Action.KYB_REJECT}).content.decode()
    assert "No entries." in page


def test_the_page_links_back_to_the_team_page(alice_client):
    page = alice_client.get(LOG).content.decode()
    team = reverse("accounts:team_index")
    assert f'<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="{team}"' in page


# --- Filters ----------------------------------------------------------------------------------


def labels(response) -> set[str]:
    return {event.target_label for event in response.context["page"].object_list}


def test_it_filters_by_actor(alice_client, org):
    entry(org, actor_email="bob@example.com", target_label="By Bob")
    entry(org, actor_email="dan@example.com", target_label="By Dan")
    response = alice_client.get(LOG, {"actor": "bob@example.com"})
    assert response.status_code == 200
    assert labels(response) == {"By Bob"}


def test_the_actor_choices_are_the_actors_seen_in_this_organization(alice_client, org, charlie):
    entry(org, actor_email="bob@example.com")
    entry(organization_of(charlie), actor_email="charlie@example.org")
    choices = dict(alice_client.get(LOG).context["form"].fields["actor"].choices)
    assert "bob@example.com" in choices
    assert "charlie@example.org" not in choices
    response = alice_client.get(LOG, {"actor": "charlie@example.org"})
    assert response.status_code == 400
    assert "Choose an actor from the list. This filter was not applied." in (
        response.content.decode()
    )


def test_it_filters_by_action(alice_client, org):
    entry(org, action=AuditEvent.Action.APP_CREATE, target_label="Created")
    entry(org, action=AuditEvent.Action.APP_RENAME, target_label="Renamed")
    response = alice_client.get(LOG, {"action": AuditEvent.Action.APP_RENAME})
    assert labels(response) == {"Renamed"}


def test_the_action_choices_are_every_action_with_its_label(alice_client):
    choices = dict(alice_client.get(LOG).context["form"].fields["action"].choices)
    assert {value: choices[value] for value in AuditEvent.Action.values} == dict(
        AuditEvent.Action.choices
    )


def test_dates_are_whole_utc_days_both_included(alice_client, org):
    for label, moment in [
        ("Before", datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC)),
        ("First moment", datetime(2025, 3, 2, 0, 0, 0, tzinfo=UTC)),
        ("Last moment", datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=UTC)),
        ("After", datetime(2025, 3, 4, 0, 0, 0, tzinfo=UTC)),
    ]:
        entry(org, target_label=label, created_at=moment)

    both = alice_client.get(LOG, {"date_from": "2025-03-02", "date_to": "2025-03-03"})
    since = alice_client.get(LOG, {"date_from": "2025-03-04"})
    until = alice_client.get(LOG, {"date_to": "2025-03-01"})

    assert labels(both) == {"First moment", "Last moment"}
    assert "After" in labels(since) and not {"Before", "First moment"} & labels(since)
    assert labels(until) == {"Before"}


def test_filters_combine(alice_client, org):
    day = datetime(2025, 3, 2, 12, tzinfo=UTC)
    entry(org, actor_email="bob@example.com", target_label="Match", created_at=day)
    entry(org, actor_email="dan@example.com", target_label="Other actor", created_at=day)
    entry(
        org,
        actor_email="bob@example.com",
        action=AuditEvent.Action.APP_RENAME,
        target_label="Other action",
        created_at=day,
    )
    entry(
        org, actor_email="bob@example.com", target_label="Other day", created_at=day.replace(day=5)
    )
    response = alice_client.get(
        LOG,
        {
            "actor": "bob@example.com",
            "action": AuditEvent.Action.APP_CREATE,
            "date_from": "2025-03-02",
            "date_to": "2025-03-02",
        },
    )
    assert labels(response) == {"Match"}


@pytest.mark.parametrize("bad", ["yesterday", "2025-02-30", "02/03/2025", "2025-13-01", "9" * 40])
def test_an_invalid_date_is_shown_on_the_form_and_that_filter_is_ignored(alice_client, org, bad):
    entry(
        org,
        actor_email="bob@example.com",
        target_label="By Bob",
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    entry(org, actor_email="dan@example.com", target_label="By Dan")

    response = alice_client.get(LOG, {"actor": "bob@example.com", "date_from": bad})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a date as YYYY-MM-DD. This filter was not applied." in page
    assert "Some filters could not be applied" in page
    assert labels(response) == {"By Bob"}  # the actor filter still applies, the date does not


def test_an_end_before_the_start_is_refused_and_ignored(alice_client, org):
    entry(org, target_label="March", created_at=datetime(2025, 3, 2, tzinfo=UTC))
    response = alice_client.get(LOG, {"date_from": "2025-03-01", "date_to": "2025-02-01"})
    assert response.status_code == 400
    assert "Choose a date on or after the start date." in response.content.decode()
    assert "March" in labels(response)


def test_the_largest_and_smallest_dates_do_not_break_the_page(alice_client, org):
    entry(org, target_label="Any")
    response = alice_client.get(LOG, {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "Any" in labels(response)


def test_an_unknown_action_is_refused_and_ignored(alice_client, org):
    entry(org, target_label="Any")
    response = alice_client.get(LOG, {"action": "everything'--"})
    assert response.status_code == 400
    assert "Choose an action from the list." in response.content.decode()
    assert "Any" in labels(response)


# --- Pages ------------------------------------------------------------------------------------


def test_fifty_entries_a_page_and_the_pages_keep_the_filters(alice_client, org):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            actor_email="bob@example.com",
            action=AuditEvent.Action.APP_RENAME,
            target_type="app",
            target_id=str(n),
            target_label=f"App {n}",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(2 * PER_PAGE + 7)
    )
    query = {"action": AuditEvent.Action.APP_RENAME}

    first = alice_client.get(LOG, query)
    last = alice_client.get(LOG, {**query, "page": 3})
    beyond = alice_client.get(LOG, {**query, "page": 99})

    assert PER_PAGE == 50
    assert len(first.context["page"].object_list) == PER_PAGE
    assert labels(first) == {f"App {n}" for n in range(PER_PAGE + 7, 2 * PER_PAGE + 7)}
    assert labels(last) == {f"App {n}" for n in range(7)}
    assert labels(beyond) == labels(last)  # past the end: the last page
    assert "Page 1 of 3" in first.content.decode()
    assert 'href="?action=app.rename&amp;page=2"' in first.content.decode()


# --- CSV export -------------------------------------------------------------------------------


def test_the_export_is_a_streamed_csv_attachment_with_one_row_per_entry(alice_client, org):
    entry(
        org,
        created_at=datetime(2025, 3, 2, 14, 5, 9, tzinfo=UTC),
        actor_email="bob@example.com",
        action=AuditEvent.Action.CLIENT_SECRET_CREATE,
        target_id="a" * 32,
        target_label="Demo Bank sandbox",
        ip="2001:db8::1",
        user_agent="curl/8.5.0",
        details={"secret": "ab12", "name": "CI"},
    )
    response = alice_client.get(EXPORT, {"actor": "bob@example.com"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert "no-store" in response["Cache-Control"]
    header, *body = rows(response)
    assert header == CSV_COLUMNS
    assert header[:4] == ["time_utc", "actor", "action", "target_type"]
    assert {"target", "ip", "user_agent", "details"} <= set(header)
    assert [dict(zip(header, row, strict=True)) for row in body] == [
        {
            "time_utc": "2025-03-02T14:05:09Z",
            "actor": "bob@example.com",
            "action": "client_secret.create",
            "target_type": "app",
            "target_id": "a" * 32,
            "target": "Demo Bank sandbox",
            "ip": "2001:db8::1",
            "user_agent": "curl/8.5.0",
            "details": '{"name": "CI", "secret": "ab12"}',
        }
    ]


def test_the_export_applies_the_same_filters_as_the_page(alice_client, org):
    day = datetime(2025, 3, 2, 12, tzinfo=UTC)
    entry(org, actor_email="bob@example.com", target_label="Match", created_at=day)
    entry(org, actor_email="dan@example.com", target_label="Other actor", created_at=day)
    entry(
        org, actor_email="bob@example.com", target_label="Other day", created_at=day.replace(day=9)
    )
    entry(
        org,
        actor_email="bob@example.com",
        action=AuditEvent.Action.APP_RENAME,
        target_label="Other action",
        created_at=day,
    )
    query = {
        "actor": "bob@example.com",
        "action": AuditEvent.Action.APP_CREATE,
        "date_from": "2025-03-01",
        "date_to": "2025-03-02",
    }
    assert [row["target"] for row in export(alice_client, **query)] == ["Match"]
    # The page's export link carries the filters it applied.
    page = alice_client.get(LOG, query).content.decode()
    assert (
        f'href="{EXPORT}?actor=bob%40example.com&amp;action=app.create'
        '&amp;date_from=2025-03-01&amp;date_to=2025-03-02"' in page
    )


def test_the_export_refuses_invalid_filters_rather_than_export_something_else(alice_client, org):
    entry(org)
    response = alice_client.get(EXPORT, {"date_to": "not-a-date"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()


def test_the_export_covers_a_log_bigger_than_one_database_chunk(alice_client, org):
    count = 2100
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            actor_email="bob@example.com",
            action=AuditEvent.Action.APP_RENAME,
            target_type="app",
            target_id=str(n),
            target_label=f"App {n}",
        )
        for n in range(count)
    )
    exported = export(alice_client, action=AuditEvent.Action.APP_RENAME)
    assert len(exported) == count
    assert {row["target"] for row in exported} == {f"App {n}" for n in range(count)}


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_the_export_defuses_formulas_at_the_start_of_any_cell(alice_client, org, start):
    formula = f'{start}HYPERLINK("http://evil.example","x")'
    entry(
        org,
        actor_email=f"{start}mallory@example.com",
        target_type=f"{start}app",
        target_id=f"{start}1",
        target_label=formula,
        user_agent=f"{start}cmd|' /C calc'!A0",
    )
    query = {"actor": f"{start}mallory@example.com"}
    (row,) = export(alice_client, **query)

    assert row["actor"] == f"'{start}mallory@example.com"
    assert row["target_type"] == f"'{start}app"
    assert row["target_id"] == f"'{start}1"
    assert row["target"] == f"'{formula}"
    assert row["user_agent"] == f"'{start}cmd|' /C calc'!A0"
    for name, value in row.items():
        assert not value.startswith(tuple(FORMULA_STARTS)), name


def test_the_export_leaves_harmless_cells_alone(alice_client, org):
    entry(org, actor_email="bob@example.com", target_label="a=b+c-d@e", user_agent="")
    (row,) = export(alice_client, actor="bob@example.com")
    assert row["target"] == "a=b+c-d@e"
    assert row["user_agent"] == ""


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=repr)
def test_csv_cell_prefixes_a_quote_to_each_formula_start(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"


def test_csv_cell_turns_none_into_an_empty_cell_and_keeps_other_text():
    assert csv_cell(None) == ""
    assert csv_cell("203.0.113.7") == "203.0.113.7"
    assert csv_cell("'already quoted") == "'already quoted"


# --- Append-only ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOG, EXPORT])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_request_to_the_log_changes_or_deletes_an_entry(alice_client, org, url, method):
    kept = entry(org, target_label="Kept")
    before = list(AuditEvent.objects.order_by("pk").values())

    response = getattr(alice_client, method)(
        url, {"id": kept.pk, "target_label": "Rewritten", "action": "delete"}
    )

    assert response.status_code == 405
    assert list(AuditEvent.objects.order_by("pk").values()) == before


def test_the_page_has_no_form_that_posts(alice_client, org):
    entry(org)
    page = alice_client.get(LOG).content.decode()
    assert 'method="get"' in page
    # The only POST form on the page is the top bar's Log out.
    assert page.count('method="post"') == 1
    assert f'action="{reverse("account_logout")}"' in page


@pytest.mark.parametrize(
    ("role", "linked"), [("owner", True), ("admin", True), ("developer", False), ("viewer", False)]
)
def test_the_team_page_links_the_audit_log_for_those_who_may_read_it(
    client, alice, add_member, role, linked
):
    user = alice if role == "owner" else add_member(organization_of(alice), role)
    client.force_login(user)
    page = client.get(reverse("accounts:team_index")).content.decode()
    assert (f'href="{reverse("accounts:audit_log")}"' in page) is linked
