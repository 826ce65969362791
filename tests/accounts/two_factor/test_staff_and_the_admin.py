"""Staff and the admin.

Part of tests.accounts.two_factor; the package's docstring says what its tests check.
"""

import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from tests.accounts.two_factor.conftest import (
    MFA_INDEX,
    Hidden,
    code_for,
    enter_code,
    says,
    sent_to_set_up,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/kyb/"])
def test_staff_without_two_factor_are_sent_from_the_admin_to_set_it_up(client, staff, url):
    client.force_login(staff)

    page = client.get(url, follow=True)

    assert page.redirect_chain == [(MFA_INDEX, 302)]
    assert says(page, "Staff need two-factor log-in to use the admin.")


def test_staff_without_two_factor_still_use_the_console(client, staff):
    client.force_login(staff)

    assert client.get(reverse("home")).status_code == 200


def test_staff_with_two_factor_use_the_admin(client, staff):
    TOTP.activate(staff, totp_auth.generate_totp_secret())
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_staff_log_in_to_the_admin_with_a_code(client, staff, clock):
    secret = Hidden(totp_auth.generate_totp_secret())
    TOTP.activate(staff, secret)
    log_in(client, staff.email)

    assert enter_code(client, code_for(secret, clock)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_gets_no_admin_either_way(alice_client):
    response = alice_client.get("/admin/")

    assert not sent_to_set_up(response)
    assert response.status_code in (302, 403)
    assert alice_client.get("/admin/accounts/user/").status_code != 200
