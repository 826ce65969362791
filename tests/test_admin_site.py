"""The admin as a whole: named for the Console, its sections told apart, its timestamps read
as the Console writes them, without changing how the Console's own pages format dates."""

import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import formats

from tests.conftest import give_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, make_user):
    user = make_user("root@tink.example", organization=None)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    give_two_factor(user)
    client.force_login(user)
    return client


def sections(page: str) -> dict[str, list[str]]:
    """The admin index's app sections: their caption → the models listed in them."""
    found = {}
    for caption, body in re.findall(
        r'<caption>\s*<a href="[^"]+" class="section"[^>]*>([^<]+)</a>\s*</caption>(.*?)</table>',
        page,
        re.S,
    ):
        found[caption] = re.findall(
            r'<th scope="row" id="[^"]+">\s*<a href="[^"]+"[^>]*>([^<]+)</a>', body
        )
    return found


def test_the_admin_is_named_console_administration(superuser_client):
    page = superuser_client.get("/admin/").content.decode()

    assert "<title>Overview | Console administration</title>" in page
    assert '<div id="site-name"><a href="/admin/">Console administration</a></div>' in page
    assert "Django administration" not in page and "Django site admin" not in page
    change_list = superuser_client.get("/admin/kyb/kybsubmission/").content.decode()
    assert "<title>Select KYB submission to view | Console administration</title>" in change_list


def test_the_two_accounts_sections_have_distinct_names(superuser_client):
    found = sections(superuser_client.get("/admin/").content.decode())

    assert found["Accounts"] == ["Email addresses"]  # allauth's
    assert found["Users and organizations"] == [
        "Audit events",
        "Organizations",
        "Outbound emails",
        "Users",
    ]
    assert len(found) == len(set(found)), "no two sections share a name"
    app_page = superuser_client.get("/admin/accounts/").content.decode()
    assert "<h1>Users and organizations administration</h1>" in app_page


def test_the_admin_has_no_nav_sidebar_beside_its_lists(superuser_client):
    page = superuser_client.get("/admin/accounts/auditevent/").content.decode()
    assert 'id="nav-sidebar"' not in page


def test_dates_formatted_by_django_read_as_the_consoles():
    """The format module (console/formats/en) the admin's lists and pages use."""
    moment = datetime(2026, 12, 2, 14, 27, 59, tzinfo=UTC)

    assert formats.localize(moment) == "2 Dec 2026, 14:27"
    assert formats.localize(date(2026, 12, 2)) == "2 Dec 2026"
    assert Template("{{ moment }} · {{ moment|date }}").render(Context({"moment": moment})) == (
        "2 Dec 2026, 14:27 · 2 Dec 2026"
    )


def test_the_consoles_own_formats_and_the_input_formats_are_unchanged():
    moment = datetime(2026, 12, 2, 14, 27, 59, tzinfo=UTC)
    # Templates that name their format keep it (the audit log, the KYB's dates of birth).
    written = Template('{{ m|date:"Y-m-d H:i:s" }} {{ m|date:"j M Y, H:i" }} {{ m|date:"c" }}')
    assert written.render(Context({"m": moment})) == (
        "2026-12-02 14:27:59 2 Dec 2026, 14:27 2026-12-02T14:27:59+00:00"
    )
    # Typed dates are read as before: the KYB's date of birth field takes 1984-05-17.
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"
    assert "%Y-%m-%d %H:%M:%S" in formats.get_format("DATETIME_INPUT_FORMATS")
