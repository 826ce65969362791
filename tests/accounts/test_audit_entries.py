"""Each audited action writes exactly one entry, with the right actor and target.

Account events go through the real pages (log-in, re-authentication, two-factor setup,
password and email changes); team, app and production actions through their services, as
every view, admin action and task calls them. Each test takes the last entry's id before the
action and then looks at every entry written after it, so "exactly one" also means nothing
else was written on the side.
"""

import re

import pytest
from allauth.account import signals as account_signals
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.cache import SessionStore
from django.db.models import Max
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent, Invitation, Membership, Organization, Role, User
from apps import services as app_services
from kyb import services as kyb_services
from kyb.models import AccessStatus, KybSubmission, ProductionAccessRequest
from products.models import Product
from tests.conftest import PASSWORD, contact_sales, organization_of
from tests.kyb.conftest import complete_kyb, production_app, request_access, submit_kyb

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
NEW_PASSWORD = "a-brand-new-passphrase-77"


def last_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def written_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def only_entry(before: int, action: str) -> AuditEvent:
    """The one entry written since `before`, which must be `action`."""
    entries = written_since(before)
    assert [entry.action for entry in entries] == [action]
    return entries[0]


def assert_user_target(entry: AuditEvent, *, actor: User | None, target: str, organization):
    assert entry.organization == organization
    assert entry.actor == actor
    assert entry.actor_email == (actor.email if actor else "")
    assert (entry.target_type, entry.target_id, entry.target_label) == ("user", target, target)


@pytest.fixture
def browser(client):
    """A client that sends a user agent, as a browser does (the test client sends none)."""
    client.defaults["HTTP_USER_AGENT"] = AGENT
    return client


def log_in(client, email: str = "alice@example.com", password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- Log-in, failed log-in, log-out -----------------------------------------------------------


def test_logging_in_on_the_log_in_page_writes_one_entry(browser, alice):
    before = last_id()

    response = log_in(browser)

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGIN)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", AGENT)
    assert entry.details == {"methods": ["password"]}


def test_a_member_of_two_organizations_gets_the_entry_in_each(browser, alice, charlie):
    Membership.objects.create(user=alice, organization=organization_of(charlie), role=Role.VIEWER)
    before = last_id()

    log_in(browser)

    entries = written_since(before)
    assert [entry.action for entry in entries] == [Action.LOGIN, Action.LOGIN]
    assert {entry.organization.name for entry in entries} == {"Alice Fintech", "Charlie Bank"}
    assert {entry.actor for entry in entries} == {alice}


def test_a_user_outside_any_organization_leaves_no_entry(browser, make_user):
    make_user("loner@example.com", organization=None)
    before = last_id()
    assert log_in(browser, "loner@example.com").status_code == 302
    assert written_since(before) == []


@pytest.mark.parametrize("typed", ["alice@example.com", "ALICE@Example.COM"])
def test_a_wrong_password_writes_one_failed_log_in_on_the_account(browser, alice, typed):
    before = last_id()

    response = log_in(browser, typed, "not-the-password-at-all")

    assert response.status_code == 200
    entry = only_entry(before, Action.LOGIN_FAILED)
    # The actor is the account whose address was typed; where from is in the IP and agent.
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert (entry.ip, entry.user_agent) == ("127.0.0.1", AGENT)
    assert entry.details == {"method": "password"}


def test_an_unknown_address_writes_nothing(browser, alice):
    before = last_id()
    log_in(browser, "nobody@example.com", "whatever-123456")
    assert written_since(before) == []


def test_a_password_typed_into_the_email_field_is_not_recorded(browser, alice):
    before = last_id()
    log_in(browser, PASSWORD, PASSWORD)
    assert written_since(before) == []


def test_a_throttled_attempt_is_refused_before_the_password_is_checked(browser, alice):
    for _ in range(5):
        log_in(browser, password="not-the-password-at-all")
    before = last_id()

    log_in(browser)  # refused by the rate limit, right password or not

    assert written_since(before) == []


def test_logging_out_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = browser.post(reverse("account_logout"))

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGOUT)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.user_agent == AGENT


def test_logging_out_when_not_logged_in_writes_nothing(browser, alice):
    before = last_id()
    browser.post(reverse("account_logout"))
    assert written_since(before) == []


# --- Re-authentication ------------------------------------------------------------------------


def reauthenticate(client, password: str = PASSWORD):
    return client.post(reverse("account_reauthenticate"), {"password": password})


def test_re_authenticating_with_the_password_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = reauthenticate(browser)

    assert response.status_code == 302
    entry = only_entry(before, Action.REAUTHENTICATE)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.details == {"method": "password"}
    assert entry.user_agent == AGENT


def test_a_wrong_password_at_re_authentication_is_a_failed_re_authentication(browser, alice):
    log_in(browser)
    before = last_id()

    response = reauthenticate(browser, "not-the-password-at-all")

    assert response.status_code == 200
    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "password"}


def test_a_wrong_password_on_the_secret_form_is_a_failed_re_authentication(
    browser, alice, sandbox_app
):
    """Not a failed log-in: the person was logged in and typed the password again (issue 12,
    point 11)."""
    log_in(browser)
    url = reverse("apps:client_secret_create", args=[sandbox_app.client_id])
    form = browser.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    before = last_id()

    browser.post(url, {"password": "not-the-password-at-all", "form_token": token})

    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "password"}
    assert entry.get_action_display() == "Failed re-authentication"


# --- Two-factor log-in ------------------------------------------------------------------------


def totp_code(secret: str) -> str:
    """The authenticator app's code now (the middle of allauth's window)."""
    counters = list(totp_auth.yield_hotp_counters_from_time())
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counters[len(counters) // 2]))


def thirty_seconds_later(monkeypatch) -> None:
    """allauth's clock moves on one period: the setup's code is not the log-in's (a used
    code is refused for the rest of its period)."""
    now = totp_auth.yield_hotp_counters_from_time
    monkeypatch.setattr(totp_auth, "yield_hotp_counters_from_time", lambda: (c + 1 for c in now()))


def activate_totp(client, capture) -> str:
    """Set up an authenticator app on the logged-in client's account (re-authenticating
    first, as allauth asks); returns the secret, as the QR code would hand it over.
    allauth announces the new method once the transaction commits: `capture` runs that."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    with capture(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_setting_up_an_authenticator_app_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    reauthenticate(browser)
    before = last_id()

    activate_totp(browser, django_capture_on_commit_callbacks)

    # activate_totp re-authenticates again: that entry comes first.
    entries = written_since(before)
    assert [entry.action for entry in entries] == [Action.REAUTHENTICATE, Action.MFA_ACTIVATE]
    entry = entries[1]
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    # The recovery codes made with it are part of the same change, not a second entry.
    assert entry.details == {"type": "totp"}


def test_removing_the_authenticator_app_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    activate_totp(browser, django_capture_on_commit_callbacks)
    reauthenticate(browser)
    before = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    entry = only_entry(before, Action.MFA_DEACTIVATE)
    assert entry.actor == alice
    assert entry.details == {"type": "totp"}


def test_new_recovery_codes_write_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    activate_totp(browser, django_capture_on_commit_callbacks)
    reauthenticate(browser)
    before = last_id()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("mfa_generate_recovery_codes"))

    assert response.status_code == 302
    entry = only_entry(before, Action.MFA_ACTIVATE)
    assert entry.details == {"type": "recovery_codes", "regenerated": True}


def test_logging_in_with_a_code_writes_one_entry_once_both_steps_are_done(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    browser.post(reverse("account_logout"))
    before = last_id()

    assert log_in(browser)["Location"] == reverse("mfa_authenticate")
    assert written_since(before) == []  # the password alone is not a log-in
    thirty_seconds_later(monkeypatch)
    response = browser.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    entry = only_entry(before, Action.LOGIN)
    assert entry.actor == alice
    assert entry.details == {"methods": ["password", "mfa"]}


def test_a_wrong_code_writes_one_failed_log_in(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    browser.post(reverse("account_logout"))
    log_in(browser)
    before = last_id()
    thirty_seconds_later(monkeypatch)
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"

    response = browser.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    entry = only_entry(before, Action.LOGIN_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}


def test_re_authenticating_with_a_code_writes_one_entry(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    thirty_seconds_later(monkeypatch)
    before = last_id()

    response = browser.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    entry = only_entry(before, Action.REAUTHENTICATE)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}


def test_a_wrong_code_at_re_authentication_is_a_failed_re_authentication(
    browser, alice, django_capture_on_commit_callbacks, monkeypatch
):
    log_in(browser)
    secret = activate_totp(browser, django_capture_on_commit_callbacks)
    thirty_seconds_later(monkeypatch)
    before = last_id()
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"

    response = browser.post(reverse("mfa_reauthenticate"), {"code": wrong})

    assert response.status_code == 200
    entry = only_entry(before, Action.REAUTHENTICATE_FAILED)
    assert entry.actor == alice
    assert entry.details == {"method": "mfa"}


# --- Password and email -----------------------------------------------------------------------


def test_changing_the_password_writes_one_entry(browser, alice):
    log_in(browser)
    before = last_id()

    response = browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert_user_target(
        entry, actor=alice, target="alice@example.com", organization=organization_of(alice)
    )
    assert entry.details == {"method": "change"}


def test_setting_a_first_password_writes_one_entry(alice, rf):
    """allauth's "set a password" page needs a re-authentication, which an account without a
    password can't give (it resets its password instead); its signal is still recorded."""
    before = last_id()

    request = rf.post(reverse("account_set_password"))
    request.user, request.session = alice, SessionStore()
    account_signals.password_set.send(sender=type(alice), request=request, user=alice)

    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert entry.actor == alice
    assert entry.details == {"method": "set"}


def test_resetting_a_forgotten_password_writes_one_entry(
    browser, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[-1].body)[1]
    form_page = browser.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    before = last_id()

    response = browser.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    entry = only_entry(before, Action.PASSWORD_CHANGE)
    assert entry.actor == alice
    assert entry.details == {"method": "reset"}


def confirm_link(mailoutbox) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[-1].body)[1]


def test_changing_the_email_address_writes_one_entry_once_the_new_one_is_verified(
    browser, alice, mailoutbox, django_capture_on_commit_callbacks
):
    log_in(browser)
    reauthenticate(browser)
    before = last_id()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("account_email"), {"action_add": "", "email": "alice@new.example"})
    assert written_since(before) == []  # not verified yet: nothing has changed

    response = browser.post(confirm_link(mailoutbox))

    assert response.status_code == 302
    entry = only_entry(before, Action.EMAIL_CHANGE)
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"
    assert_user_target(
        entry, actor=alice, target="alice@new.example", organization=organization_of(alice)
    )
    assert entry.details == {"old_email": "alice@example.com", "new_email": "alice@new.example"}


def test_verifying_the_first_address_of_a_sign_up_is_no_email_change(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("new@example.com", verified=False, organization="New Co")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_resend_verification"), {"email": "new@example.com"})
    before = last_id()

    response = client.post(confirm_link(mailoutbox))

    assert response.status_code == 302
    assert Action.EMAIL_CHANGE not in [entry.action for entry in written_since(before)]


# --- The team ---------------------------------------------------------------------------------


@pytest.fixture
def org(alice) -> Organization:
    return organization_of(alice)


def invite(org, alice, email: str, capture, mailoutbox, role: str = Role.DEVELOPER) -> str:
    """Invite `email`; returns the token of the emailed link."""
    with capture(execute=True):
        services.invitation_create(organization=org, email=email, role=role, invited_by=alice)
    return re.search(r"/invitations/([^/\s]+)/", mailoutbox[-1].body)[1]


def test_an_invitation_writes_one_entry(org, alice, mailoutbox, django_capture_on_commit_callbacks):
    before = last_id()
    invite(org, alice, "Bob@Example.com", django_capture_on_commit_callbacks, mailoutbox)
    entry = only_entry(before, Action.INVITATION_CREATE)
    assert_user_target(entry, actor=alice, target="bob@example.com", organization=org)
    assert entry.details == {"role": "developer"}


def test_resending_an_invitation_writes_one_entry(
    org, alice, add_member, mailoutbox, django_capture_on_commit_callbacks
):
    admin = add_member(org, Role.ADMIN)
    invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=invitation.sent_at.replace(year=2020)
    )
    before = last_id()

    services.invitation_resend(invitation=invitation, resent_by=admin)

    entry = only_entry(before, Action.INVITATION_RESEND)
    assert_user_target(entry, actor=admin, target="bob@example.com", organization=org)


def test_cancelling_an_invitation_writes_one_entry(
    org, alice, mailoutbox, django_capture_on_commit_callbacks
):
    invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    services.invitation_cancel(invitation=Invitation.objects.get(), cancelled_by=alice)

    entry = only_entry(before, Action.INVITATION_CANCEL)
    assert_user_target(entry, actor=alice, target="bob@example.com", organization=org)


def test_accepting_an_invitation_writes_one_entry_by_the_new_member(
    org, alice, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    bob = make_user("bob@example.com", organization=None)
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    services.invitation_accept(token=token, user=bob)

    entry = only_entry(before, Action.INVITATION_ACCEPT)
    assert_user_target(entry, actor=bob, target="bob@example.com", organization=org)
    assert entry.details == {"role": "developer"}


def test_signing_up_from_an_invitation_writes_one_entry_by_the_new_member(
    org, alice, mailoutbox, django_capture_on_commit_callbacks
):
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()

    membership = services.invitation_signup(token=token, password=NEW_PASSWORD)

    entry = only_entry(before, Action.INVITATION_ACCEPT)
    assert_user_target(entry, actor=membership.user, target="bob@example.com", organization=org)


def test_a_refused_invitation_writes_nothing(
    org, alice, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    mallory = make_user("mallory@example.com", organization=None)
    token = invite(org, alice, "bob@example.com", django_capture_on_commit_callbacks, mailoutbox)
    before = last_id()
    with pytest.raises(Exception, match="This invitation is for bob@example.com"):
        services.invitation_accept(token=token, user=mallory)
    assert written_since(before) == []


def test_a_role_change_writes_one_entry(org, alice, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()

    services.membership_role_change(
        membership=Membership.objects.get(user=dev), role=Role.ADMIN, changed_by=alice
    )

    entry = only_entry(before, Action.MEMBER_ROLE_CHANGE)
    assert_user_target(entry, actor=alice, target=dev.email, organization=org)
    assert entry.details == {"old_role": "developer", "new_role": "admin"}


def test_a_role_change_to_the_same_role_writes_nothing(org, alice, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()
    services.membership_role_change(
        membership=Membership.objects.get(user=dev), role=Role.DEVELOPER, changed_by=alice
    )
    assert written_since(before) == []


def test_removing_a_member_writes_one_entry(org, alice, add_member):
    viewer = add_member(org, Role.VIEWER)
    before = last_id()

    services.membership_remove(membership=Membership.objects.get(user=viewer), removed_by=alice)

    entry = only_entry(before, Action.MEMBER_REMOVE)
    assert_user_target(entry, actor=alice, target=viewer.email, organization=org)


def test_leaving_writes_one_entry_by_the_member(org, add_member):
    dev = add_member(org, Role.DEVELOPER)
    before = last_id()

    services.membership_leave(membership=Membership.objects.get(user=dev))

    entry = only_entry(before, Action.MEMBER_LEAVE)
    assert_user_target(entry, actor=dev, target=dev.email, organization=org)


def test_transferring_ownership_writes_one_entry(org, alice, add_member):
    admin = add_member(org, Role.ADMIN)
    before = last_id()

    services.ownership_transfer(organization=org, to=Membership.objects.get(user=admin), by=alice)

    entry = only_entry(before, Action.OWNERSHIP_TRANSFER)
    assert_user_target(entry, actor=alice, target=admin.email, organization=org)


def test_requiring_two_factor_log_in_writes_one_entry(org, alice):
    before = last_id()

    services.organization_require_two_factor(
        organization=org, required=True, changed_by=alice, has_two_factor=True
    )

    entry = only_entry(before, Action.MFA_REQUIRE)
    assert (entry.actor, entry.target_type, entry.target_id) == (alice, "organization", str(org.pk))
    assert entry.details == {"required": True}


# --- Apps, secrets, redirect URIs -------------------------------------------------------------


def assert_app_target(entry: AuditEvent, app, actor: User) -> None:
    assert entry.organization_id == app.organization_id
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "app",
        app.client_id,
        app.name,
    )


def test_creating_an_app_writes_one_entry(alice, catalog):
    before = last_id()
    app = app_services.app_create(
        organization=organization_of(alice),
        name="Demo Bank sandbox",
        display_name="Alice Fintech",
        app_type="sandbox",
        created_by=alice,
    )
    assert_app_target(only_entry(before, Action.APP_CREATE), app, alice)


def test_renaming_an_app_writes_one_entry(alice, sandbox_app):
    before = last_id()
    app = app_services.app_rename(app=sandbox_app, name="Renamed", renamed_by=alice)
    entry = only_entry(before, Action.APP_RENAME)
    assert_app_target(entry, app, alice)
    assert entry.details == {"old_name": "Demo Bank sandbox", "new_name": "Renamed"}


def test_creating_and_revoking_a_secret_write_one_entry_each(alice, sandbox_app):
    before = last_id()
    secret, _ = app_services.client_secret_create(app=sandbox_app, created_by=alice, name="CI")
    created = only_entry(before, Action.CLIENT_SECRET_CREATE)
    before = last_id()
    app_services.client_secret_revoke(secret=secret, revoked_by=alice)
    revoked = only_entry(before, Action.CLIENT_SECRET_REVOKE)

    for entry in (created, revoked):
        assert_app_target(entry, sandbox_app, alice)
        assert entry.details == {"secret": secret.hint, "name": "CI"}


def test_adding_and_removing_a_redirect_uri_write_one_entry_each(alice, sandbox_app):
    before = last_id()
    uri = app_services.redirect_uri_add(
        app=sandbox_app, uri="https://alice.example/callback", added_by=alice
    )
    added = only_entry(before, Action.REDIRECT_URI_ADD)
    before = last_id()
    app_services.redirect_uri_remove(redirect_uri=uri, removed_by=alice)
    removed = only_entry(before, Action.REDIRECT_URI_REMOVE)

    for entry in (added, removed):
        assert_app_target(entry, sandbox_app, alice)
        assert entry.details == {"uri": "https://alice.example/callback"}


# --- Going to production and the KYB review ---------------------------------------------------


@pytest.fixture
def reviewer(make_user) -> User:
    user = make_user("reviewer@tink.example", organization=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(
        Permission.objects.get(codename="review_kybsubmission"),
        Permission.objects.get(codename="view_kybsubmission"),
        Permission.objects.get(codename="view_productionaccessrequest"),
    )
    return User.objects.get(pk=user.pk)


def assert_organization_target(entry: AuditEvent, organization, actor: User) -> None:
    assert entry.organization == organization
    assert entry.actor == actor
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "organization",
        str(organization.pk),
        organization.name,
    )


def test_contacting_sales_writes_one_entry(org, alice, catalog):
    before = last_id()
    contact_sales(alice)
    entry = only_entry(before, Action.SALES_CONTACT)
    assert_organization_target(entry, org, alice)
    assert entry.details == {"products": ["transactions"]}


def test_requesting_production_access_writes_one_entry(org, alice, catalog):
    app = production_app(alice)
    before = last_id()

    kyb_services.production_access_request(
        organization=org,
        product=Product.objects.get(slug="transactions"),
        apps=[app],
        use_case="Categorise our customers' transactions.",
        requested_by=alice,
    )

    entry = only_entry(before, Action.PRODUCTION_ACCESS_REQUEST)
    assert_organization_target(entry, org, alice)
    assert entry.details == {"product": "transactions", "apps": [app.client_id]}


def test_submitting_the_kyb_writes_one_entry(org, alice, catalog):
    complete_kyb(alice)
    before = last_id()

    kyb_services.kyb_submit(organization=org, submitted_by=alice)

    assert_organization_target(only_entry(before, Action.KYB_SUBMIT), org, alice)


@pytest.mark.parametrize(
    ("decide", "action"),
    [
        (kyb_services.kyb_submission_approve, Action.KYB_APPROVE),
        (kyb_services.kyb_submission_request_changes, Action.KYB_REQUEST_CHANGES),
        (kyb_services.kyb_submission_reject, Action.KYB_REJECT),
    ],
    ids=["approve", "request changes", "reject"],
)
def test_each_kyb_decision_writes_one_entry_by_the_reviewer(
    org, alice, reviewer, catalog, decide, action
):
    submission = submit_kyb(alice)
    before = last_id()

    decide(submission=submission, reviewer=reviewer, note="Checked the registry extract.")

    entry = only_entry(before, action)
    assert_organization_target(entry, org, reviewer)
    assert entry.details == {"note": "Checked the registry extract."}


@pytest.mark.parametrize(
    ("approve", "action"),
    [(True, Action.PRODUCTION_ACCESS_APPROVE), (False, Action.PRODUCTION_ACCESS_REJECT)],
    ids=["approve", "reject"],
)
def test_a_decision_on_a_later_product_writes_one_entry_by_the_reviewer(
    org, alice, reviewer, catalog, approve, action
):
    kyb_services.kyb_submission_approve(submission=submit_kyb(alice), reviewer=reviewer)
    other = Product.objects.exclude(slug="transactions").first()
    (access,) = request_access(alice, other.slug)
    assert access.status == AccessStatus.UNDER_REVIEW
    before = last_id()

    (kyb_services.production_access_approve if approve else kyb_services.production_access_reject)(
        access=access, reviewer=reviewer, note="Use case checked."
    )

    entry = only_entry(before, action)
    assert_organization_target(entry, org, reviewer)
    assert entry.details == {"product": other.slug, "note": "Use case checked."}
    assert ProductionAccessRequest.objects.get(pk=access.pk).status != AccessStatus.UNDER_REVIEW
    assert KybSubmission.objects.filter(organization=org).exists()
