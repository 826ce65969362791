"""The organization switcher.

Part of tests.accounts.team; the package's docstring says what its tests check.
"""

import re

import pytest
from django.urls import reverse

from accounts import selectors
from accounts.models import Membership, Organization, Role
from tests.accounts.team.conftest import page
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_in_two(alice, charlie, make_app):
    """Alice owns Alice Fintech and is a developer of Charlie Bank; each has one app."""
    make_app(alice, name="Alice sandbox")
    make_app(charlie, name="Charlie sandbox")
    Membership.objects.create(
        user=alice, organization=organization_of(charlie), role=Role.DEVELOPER
    )
    return alice


def switch(client, organization):
    return client.post(reverse("accounts:organization_switch"), {"organization": organization.pk})


def test_switching_organization_changes_the_visible_apps(alice_client, alice_in_two, charlie):
    charlie_bank = organization_of(charlie)
    before = page(alice_client.get(reverse("apps:list")))
    assert "Alice sandbox" in before and "Charlie sandbox" not in before

    response = switch(alice_client, charlie_bank)

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    assert alice_client.session[selectors.SESSION_KEY] == charlie_bank.pk
    home = page(alice_client.get(reverse("home")))
    assert "You are now working in Charlie Bank." in home
    after = page(alice_client.get(reverse("apps:list")))
    assert "Charlie sandbox" in after and "Alice sandbox" not in after


def test_the_top_bar_lists_the_organizations_of_a_user_in_several(
    alice_client, alice_in_two, charlie
):
    html = page(alice_client.get(reverse("home")))

    assert reverse("accounts:organization_switch") in html
    for organization in Organization.objects.all():
        assert f'name="organization" value="{organization.pk}"' in html
    assert re.search(r'aria-current="true">Alice Fintech</button>', html)


def test_a_user_in_one_organization_has_no_switcher(alice_client, charlie):
    html = page(alice_client.get(reverse("home")))
    assert reverse("accounts:organization_switch") not in html
    assert "Charlie Bank" not in html


def test_nobody_switches_to_an_organization_they_are_not_in(alice_client, alice, charlie):
    response = switch(alice_client, organization_of(charlie))

    assert response.status_code == 404
    assert selectors.SESSION_KEY not in alice_client.session
    assert "Alice Fintech" in page(alice_client.get(reverse("home")))


@pytest.mark.parametrize(
    "value",
    [
        "x",
        "",
        "0",
        "1e5",
        "\x00",
        # Beyond a 64-bit id: SQLite raised OverflowError on them.
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
    ],
)
def test_a_switch_without_an_organization_is_a_400(alice_client, alice_in_two, value):
    response = alice_client.post(reverse("accounts:organization_switch"), {"organization": value})
    assert response.status_code == 400
    assert page(response) == "Choose an organization."
    assert selectors.SESSION_KEY not in alice_client.session


def test_the_last_owner_is_offered_no_role_change_of_their_own(alice_client, alice):
    membership = Membership.objects.get(user=alice)
    page = alice_client.get(reverse("accounts:team_index")).content.decode()
    assert reverse("accounts:member_role_change", args=[membership.pk]) not in page
