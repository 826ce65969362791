"""Following an invitation link: a new user signs up and joins, an existing one logs in and
joins; expired, used, cancelled, unknown and wrong-account links are refused with a clear
message and change nothing. The token never reaches a log line or the audit log."""

import logging
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AuditEvent, Invitation, Membership, OutboundEmail, Role, User
from tests.accounts.team.conftest import invite, only_entry, page, token_in
from tests.audit import last_id, written_since
from tests.conftest import PASSWORD, organization_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = "http://testserver-base"


@pytest.fixture
def invited(alice, client, mailoutbox, django_capture_on_commit_callbacks):
    """Alice invited erin@example.com (no account yet) as a developer; the link's path. The
    client is left logged out."""

    def make(email="erin@example.com", role=Role.DEVELOPER) -> str:
        client.force_login(alice)
        response = invite(client, django_capture_on_commit_callbacks, email=email, role=role)
        assert response.status_code == 302
        client.logout()
        return f"/invitations/{token_in(mailoutbox[-1])}/"

    return make


def sign_up(client, path, password=PASSWORD, again=None):
    return client.post(path, {"password1": password, "password2": again or password})


def logged_in_as(client) -> User | None:
    pk = client.session.get(AUTH_SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def nothing_changed(invitation: Invitation, mark: int) -> None:
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    assert not Membership.objects.filter(
        organization=invitation.organization, user__email=invitation.email
    ).exists()
    assert [e for e in written_since(mark) if e.action == AuditEvent.Action.INVITATION_ACCEPT] == []


# --- The page ------------------------------------------------------------------------------


def test_the_page_shows_the_organization_the_role_and_who_invited(client, invited):
    path = invited(role=Role.ADMIN)

    response = client.get(path)

    assert response.status_code == 200
    html = page(response)
    assert "<h1>Join Alice Fintech</h1>" in html
    assert "alice@example.com invited <strong>erin@example.com</strong>" in html
    assert "as <strong>admin</strong>" in html


def test_a_new_address_gets_a_sign_up_form_with_the_email_fixed(client, invited):
    html = page(client.get(invited()))

    assert '<label for="id_email">Email</label>' in html
    assert 'value="erin@example.com"' in html and "disabled" in html
    assert '<label for="id_password1">Password</label>' in html
    assert '<label for="id_password2">Password (again)</label>' in html
    assert "Sign up and join" in html


def test_the_page_is_not_cached_and_its_address_stays_on_this_site(client, invited):
    response = client.get(invited())
    assert "no-store" in response["Cache-Control"]
    # Other sites get at most the origin as Referer, never the path that holds the token.
    assert response["Referrer-Policy"] in {"strict-origin-when-cross-origin", "same-origin"}


# --- Accepting -----------------------------------------------------------------------------


def test_a_new_user_signs_up_with_a_verified_email_joins_and_is_logged_in(client, invited, alice):
    path = invited()
    mark = last_id()

    response = sign_up(client, path)

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    user = User.objects.get(email="erin@example.com")
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    organization = organization_of(alice)
    assert Membership.objects.get(user=user).organization == organization
    assert Membership.objects.get(user=user).role == Role.DEVELOPER
    assert logged_in_as(client) == user
    assert client.session[selectors.SESSION_KEY] == organization.pk
    invitation = Invitation.objects.get()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (user, True)
    accepted = [e for e in written_since(mark) if e.action == AuditEvent.Action.INVITATION_ACCEPT]
    assert [(e.actor, e.target_id, e.details) for e in accepted] == [
        (user, "erin@example.com", {"role": "developer"})
    ]
    home = page(client.get(reverse("home")))
    assert "You joined Alice Fintech as developer." in home


def test_sign_up_refuses_different_passwords_and_a_weak_one(client, invited):
    path = invited()

    mismatch = sign_up(client, path, again="another-long-passphrase-7")
    weak = sign_up(client, path, password="password")

    assert mismatch.status_code == 400
    assert "You must type the same password each time." in page(mismatch)
    assert weak.status_code == 400
    assert "This password is too short." in page(weak)
    assert not User.objects.filter(email="erin@example.com").exists()
    assert Invitation.objects.get().open
    assert logged_in_as(client) is None


def test_an_existing_user_logs_in_then_joins(client, invited, make_user, alice):
    erin = make_user("erin@example.com", organization="Erin Pay")
    path = invited()

    html = page(client.get(path))
    login_link = f"{LOGIN}?next={path}"
    assert f'href="{login_link}"' in html and "Log in to accept" in html
    assert "id_password1" not in html

    response = client.post(LOGIN, {"login": "erin@example.com", "password": PASSWORD, "next": path})
    assert (response.status_code, response["Location"]) == (302, path)
    join_page = page(client.get(path))
    assert "Join Alice Fintech</button>" in join_page
    mark = last_id()

    response = client.post(path)

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    organization = organization_of(alice)
    assert Membership.objects.get(user=erin, organization=organization).role == Role.DEVELOPER
    assert client.session[selectors.SESSION_KEY] == organization.pk
    only_entry(mark, AuditEvent.Action.INVITATION_ACCEPT, erin, "erin@example.com")
    home = page(client.get(reverse("home")))
    assert "You joined Alice Fintech as developer." in home


def test_sign_up_for_an_address_with_an_account_is_refused(client, invited, make_user):
    path = invited()
    make_user("erin@example.com", organization=None)
    users = User.objects.count()

    response = sign_up(client, path)

    assert response.status_code == 200
    assert "Log in to accept" in page(response)
    assert User.objects.count() == users
    assert Invitation.objects.get().open


# --- Refused links -------------------------------------------------------------------------


def test_an_unknown_link_is_404_with_a_message_and_nothing_else(client, alice):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    html = page(response)
    assert selectors.INVITATION_UNKNOWN.replace("'", "&#x27;") in html
    assert "<form" not in html.split('class="entrance__main"')[1]


@pytest.mark.parametrize("logged_in", [False, True])
def test_an_expired_link_is_refused_and_nothing_changes(client, invited, make_user, logged_in):
    path = invited()
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    if logged_in:
        client.force_login(make_user("erin@example.com", organization=None))
    mark = last_id()

    shown = client.get(path)
    posted = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})

    for response in (shown, posted):
        assert response.status_code == 410
        assert selectors.INVITATION_EXPIRED in page(response)
        assert "password1" not in page(response) and "Join Alice" not in page(response)
    nothing_changed(invitation, mark)
    assert User.objects.filter(email="erin@example.com").count() == int(logged_in)


def test_a_used_link_is_refused_the_second_time(client, invited):
    path = invited()
    sign_up(client, path)
    client.logout()
    mark = last_id()

    response = sign_up(client, path, password="another-long-passphrase-7")

    assert response.status_code == 410
    assert selectors.INVITATION_USED in page(response)
    assert User.objects.filter(email="erin@example.com").count() == 1
    assert User.objects.get(email="erin@example.com").check_password(PASSWORD)
    assert written_since(mark) == []


def test_a_cancelled_link_is_refused(client, invited, alice):
    path = invited()
    invitation = Invitation.objects.get()
    services.invitation_cancel(invitation=invitation, cancelled_by=alice)
    mark = last_id()

    response = sign_up(client, path)

    assert response.status_code == 410
    assert selectors.INVITATION_CANCELLED in page(response)
    assert not User.objects.filter(email="erin@example.com").exists()
    assert written_since(mark) == []


def test_another_account_is_refused_with_a_clear_message_and_no_button(client, invited, charlie):
    path = invited()
    invitation = Invitation.objects.get()
    client.force_login(charlie)
    mark = last_id()

    shown = client.get(path)
    posted = client.post(path)

    message = (
        "This invitation is for erin@example.com, and you are logged in as charlie@example.org. "
        "Log out, then open the link again and log in or sign up as erin@example.com."
    )
    for response in (shown, posted):
        assert response.status_code == 403
        html = page(response)
        assert message in html
        assert "Join Alice Fintech</button>" not in html
        assert ">Log out</button>" in html
    nothing_changed(invitation, mark)
    assert not Membership.objects.filter(
        user=charlie, organization=invitation.organization
    ).exists()
    assert written_since(mark) == []


def test_a_member_opening_an_invitation_to_the_same_organization_is_told_so(
    client, invited, add_member, alice
):
    path = invited()
    erin = add_member(organization_of(alice), Role.VIEWER, email="erin@example.com")
    client.force_login(erin)

    response = client.get(path)

    assert response.status_code == 403
    assert "You are already a member of Alice Fintech." in page(response)
    assert Membership.objects.get(user=erin).role == Role.VIEWER


def test_opening_the_page_changes_nothing(client, invited, make_user):
    path = invited()
    invitation = Invitation.objects.get()
    client.force_login(make_user("erin@example.com", organization=None))
    mark = last_id()

    assert client.get(path).status_code == 200

    nothing_changed(invitation, mark)
    assert written_since(mark) == []


# --- The token stays out of logs and the audit log -----------------------------------------


def test_the_token_is_in_no_log_line_audit_entry_or_stored_row(client, invited, caplog, make_user):
    caplog.set_level(logging.DEBUG)
    path = invited()
    token = path.split("/")[2]
    client.get("/invitations/unknown-token/")
    sign_up(client, path, again="mismatch-passphrase-9")
    sign_up(client, path)
    client.get(path)  # used: 410

    assert token not in caplog.text
    for entry in AuditEvent.objects.all():
        assert token not in f"{entry.target_id} {entry.target_label} {entry.details}"
    assert token not in str(list(Invitation.objects.values()))
    for outbound in OutboundEmail.objects.all():
        assert token not in f"{outbound.subject} {outbound.body_text_encrypted}"
