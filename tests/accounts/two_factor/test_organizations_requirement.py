"""The organization's requirement.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts import services
from accounts.models import Organization
from accounts.selectors import SESSION_KEY as SESSION_ORGANIZATION
from tests.accounts.two_factor.conftest import (
    ACTIVATE,
    LOGOUT,
    MFA_INDEX,
    SoftKey,
    add_security_key,
    says,
    sent_to_set_up,
    set_up_totp,
)
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("apps:list"),
        reverse("apps:create"),
        reverse("kyb:products"),
        reverse("accounts:team_index"),
        reverse("accounts:settings_index"),
        reverse("usersessions_list"),
        reverse("account_change_password"),
    ],
)
def test_a_member_without_two_factor_is_sent_to_set_it_up(client, bob, url):
    client.force_login(bob)

    assert sent_to_set_up(client.get(url))
    assert sent_to_set_up(client.post(url))


def test_the_setup_page_says_why(client, bob, strict_organization):
    client.force_login(bob)

    page = client.get(reverse("apps:list"), follow=True)

    assert page.redirect_chain == [(MFA_INDEX, 302)]
    assert says(page, "Alice Fintech requires two-factor log-in for every member.")


def test_a_forged_post_changes_nothing_before_the_setup(client, bob):
    client.force_login(bob)

    response = client.post(reverse("apps:create"), {"name": "Sneaky", "display_name": "Sneaky"})

    assert sent_to_set_up(response)
    assert not organization_of(bob).apps.exists()


@pytest.mark.parametrize(
    "url",
    [
        MFA_INDEX,
        ACTIVATE,  # sends on to re-authentication, itself allowed
        reverse("account_reauthenticate"),
        reverse("account_email"),
        LOGOUT,
        "/static/css/console.css",
        reverse("api:jwks"),
        "/invitations/some-token/",
    ],
)
def test_what_setting_it_up_takes_stays_open(client, bob, url):
    client.force_login(bob)

    assert not sent_to_set_up(client.get(url))


def test_after_the_setup_the_member_is_free(client, bob, clock):
    set_up_totp(client, bob, clock)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("apps:list")).status_code == 200


def test_an_organization_without_the_requirement_sends_nobody(alice_client):
    assert alice_client.get(reverse("home")).status_code == 200


def test_the_requirement_follows_the_current_organization(client, bob, strict_organization):
    """Bob also owns an organization of his own, without the requirement."""
    own = services.organization_create(name="Bob Labs", owner=bob)
    client.force_login(bob)

    def work_in(organization: Organization) -> None:
        session = client.session
        session[SESSION_ORGANIZATION] = organization.pk
        session.save()

    work_in(own)
    assert client.get(reverse("home")).status_code == 200
    work_in(strict_organization)
    assert sent_to_set_up(client.get(reverse("home")))


def test_a_security_key_counts_as_two_factor(client, bob):
    add_security_key(client, bob, SoftKey())

    assert client.get(reverse("home")).status_code == 200


def test_recovery_codes_alone_do_not_count(client, bob):
    Authenticator.objects.create(
        user=bob, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "", "used_mask": 0}
    )
    client.force_login(bob)

    assert sent_to_set_up(client.get(reverse("home")))
