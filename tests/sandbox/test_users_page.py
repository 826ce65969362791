"""Console's Users page of an app (issue 15): the app's users only, and deleting one with its
data, recorded in the Activity; viewers see them and delete nothing."""

import pytest

from accounts.models import AuditEvent, Role
from sandbox import services
from sandbox.models import AuthorizationCode, EndUser
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db


def users_url(app) -> str:
    return f"/apps/{app.client_id}/users/"


def delete_url(user) -> str:
    return f"/apps/{user.app.client_id}/users/{user.user_id}/delete/"


def make_end_user(app, external_user_id: str = "customer-1") -> EndUser:
    return services.end_user_create(
        app_id=app.pk, external_user_id=external_user_id, market="SE", locale="sv_SE"
    )


def test_the_page_lists_the_apps_users_and_no_other_apps(
    alice_client, alice, make_app, sandbox_app
):
    mine = make_end_user(sandbox_app, "mine-1")
    other = make_end_user(make_app(alice, name="Other"), "theirs-1")
    page = alice_client.get(users_url(sandbox_app)).content.decode()
    assert mine.user_id in page and "mine-1" in page
    assert other.user_id not in page and "theirs-1" not in page
    assert 'aria-current="page">Users</a>' in page


def test_with_no_users_the_page_shows_how_to_create_one(alice_client, sandbox_app):
    page = alice_client.get(users_url(sandbox_app)).content.decode()
    assert "No users yet." in page
    assert "/api/v1/user/create" in page


def test_deleting_a_user_deletes_their_data_and_is_recorded(alice_client, sandbox_app):
    user = make_end_user(sandbox_app)
    services.authorization_grant(user=user, scopes=["accounts:read"])
    response = alice_client.post(delete_url(user), follow=True)
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.END_USER_DELETE).get()
    assert "User customer-1 and their data are deleted." in response.content.decode()
    assert not EndUser.objects.exists() and not AuthorizationCode.objects.exists()
    assert entry.details == {"user_id": user.user_id, "external_user_id": "customer-1"}
    assert entry.target_id == sandbox_app.client_id


def test_a_viewer_sees_the_users_but_no_delete_and_cannot_delete(
    client, alice, add_member, sandbox_app
):
    user = make_end_user(sandbox_app)
    client.force_login(add_member(organization_of(alice), Role.VIEWER))
    page = client.get(users_url(sandbox_app)).content.decode()
    response = client.post(delete_url(user))
    assert user.user_id in page and "Delete user and data" not in page
    assert response.status_code == 403
    assert EndUser.objects.filter(pk=user.pk).exists()


def test_another_organizations_user_and_app_are_404(client, charlie, make_app, alice, sandbox_app):
    user = make_end_user(sandbox_app)
    client.force_login(charlie)
    assert client.get(users_url(sandbox_app)).status_code == 404
    assert client.post(delete_url(user)).status_code == 404
    assert EndUser.objects.filter(pk=user.pk).exists()


def test_a_user_of_another_app_of_the_same_organization_is_404(
    alice_client, alice, make_app, sandbox_app
):
    other_app = make_app(alice, name="Other")
    theirs = make_end_user(other_app, "theirs")
    url = f"/apps/{sandbox_app.client_id}/users/{theirs.user_id}/delete/"
    assert alice_client.post(url).status_code == 404
    assert EndUser.objects.filter(pk=theirs.pk).exists()


def test_a_get_on_delete_changes_nothing(alice_client, sandbox_app):
    user = make_end_user(sandbox_app)
    response = alice_client.get(delete_url(user))
    assert response.status_code in (302, 405)
    assert EndUser.objects.filter(pk=user.pk).exists()
