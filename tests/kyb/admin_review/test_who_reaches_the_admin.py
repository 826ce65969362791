"""Who reaches the admin.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import pytest

from tests.conftest import PASSWORD
from tests.kyb.admin_review.conftest import CHANGELIST, apply, state

pytestmark = pytest.mark.django_db


def test_non_staff_users_cannot_reach_the_admin(alice_client, alice_kyb):
    for url in ("/admin/", CHANGELIST, f"{CHANGELIST}{alice_kyb.pk}/change/"):
        response = alice_client.get(url, follow=True)
        assert response.status_code == 403, url


def test_a_forged_action_post_by_a_non_staff_user_changes_nothing(alice_client, alice_kyb):
    before = state(alice_kyb)
    response = apply(alice_client, "approve", alice_kyb, note="Looks good")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert state(alice_kyb) == before


def test_anonymous_visitors_are_sent_to_the_console_log_in(client, reviewer, alice_kyb):
    response = client.get(CHANGELIST, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200
    # The admin's own log-in form is never served, so its throttling is the Console's.
    login = client.get("/admin/login/")
    assert login.status_code == 302
    assert login["Location"].startswith("/accounts/login/")
    client.post("/admin/login/", {"username": reviewer.email, "password": PASSWORD})
    assert client.get(CHANGELIST).status_code == 302
