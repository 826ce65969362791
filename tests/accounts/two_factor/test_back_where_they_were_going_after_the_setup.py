"""Back where they were going, after the setup.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import re

import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    ACTIVATE,
    LOGIN,
    MFA_INDEX,
    RECOVERY_CODES,
    Hidden,
    code_for,
    open_page,
    says,
    sent_to_set_up,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


CONTINUE = reverse("accounts:two_factor_continue")
ADMIN_PAGE = "/admin/kyb/kybsubmission/?status=submitted"


def continue_button(response) -> str | None:
    """The label of the setup's Continue button (to accounts' two_factor_continue), if any."""
    match = re.search(
        rf'<a class="button button--primary" href="{CONTINUE}">([^<]+)</a>', response.text
    )
    return match.group(1) if match else None


def activate_through_the_pages(client, clock):
    """The authenticator app's setup as a person goes through it, ending on the recovery codes."""
    page = open_page(client, ACTIVATE)  # confirms the password first
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    assert page.status_code == 200
    response = client.post(ACTIVATE, {"code": code_for(secret, clock)})
    assert response["Location"] == RECOVERY_CODES
    return client.get(RECOVERY_CODES)


def test_staff_land_back_on_the_admin_page_they_asked_for_after_the_setup(client, staff, clock):
    # The admin sends them to the Console's Log in page, which keeps the page asked for...
    login = client.get(ADMIN_PAGE)
    assert login.status_code == 302 and login["Location"].startswith(LOGIN)
    response = client.post(login["Location"], {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == ADMIN_PAGE
    # ... the admin sends them on to set up two-factor log-in ...
    setup = client.get(ADMIN_PAGE, follow=True)
    assert setup.redirect_chain == [(MFA_INDEX, 302)]
    assert says(setup, "Staff need two-factor log-in to use the admin.")
    assert continue_button(setup) is None, "nothing to continue to before the setup"

    # ... and the setup's last page leads back there.
    codes = activate_through_the_pages(client, clock)
    assert says(codes, "Save these codes in a secure place now.")
    assert continue_button(codes) == "Continue to the admin"
    back = client.get(CONTINUE)
    assert back.status_code == 302
    assert back["Location"] == ADMIN_PAGE
    assert client.get(ADMIN_PAGE).status_code == 200

    # Used once: the setup overview no longer offers it.
    assert continue_button(client.get(MFA_INDEX)) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


def test_the_setup_overview_also_leads_back_once_two_factor_is_on(client, staff, clock):
    """A setup that makes no recovery codes (they exist already) ends on the overview."""
    client.force_login(staff)
    client.get("/admin/accounts/user/")
    assert continue_button(client.get(MFA_INDEX)) is None  # not set up yet
    TOTP.activate(staff, totp_auth.generate_totp_secret())

    overview = client.get(MFA_INDEX)

    assert says(overview, "Two-factor log-in is set up</h2>")
    assert continue_button(overview) == "Continue to the admin"
    assert client.get(CONTINUE)["Location"] == "/admin/accounts/user/"


def test_a_member_of_a_strict_organization_lands_back_on_the_page_asked_for(client, bob, clock):
    client.force_login(bob)
    assert sent_to_set_up(client.get(reverse("apps:list")))

    codes = activate_through_the_pages(client, clock)

    assert continue_button(codes) == "Continue"
    assert client.get(CONTINUE)["Location"] == reverse("apps:list")


def test_a_forged_post_is_not_kept_as_the_page_to_go_back_to(client, staff, clock):
    client.force_login(staff)
    client.post("/admin/accounts/user/", {"action": "delete_selected"})

    codes = activate_through_the_pages(client, clock)

    assert continue_button(codes) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


def test_an_unsafe_next_at_log_in_is_dropped(client, staff):
    response = client.post(
        f"{LOGIN}?next=//evil.example/admin/", {"login": staff.email, "password": PASSWORD}
    )

    assert response["Location"] == reverse("home")
    assert client.get(CONTINUE)["Location"] == MFA_INDEX


@pytest.mark.parametrize(
    "stored",
    ["//evil.example/admin/", "/\\evil.example/admin/", "https://evil.example/admin/", "admin/", 7],
)
def test_only_a_path_of_this_site_is_gone_back_to(client, staff, stored):
    """The session holds what the middleware stored; were it ever anything but a path of this
    site, the setup would end on its own overview."""
    client.force_login(staff)
    session = client.session
    session["two_factor_next"] = stored
    session.save()
    TOTP.activate(staff, totp_auth.generate_totp_secret())

    assert continue_button(client.get(MFA_INDEX)) is None
    assert client.get(CONTINUE)["Location"] == MFA_INDEX
