"""Every URL pattern of the project, for each role, an outsider and an anonymous visitor.

The URLs come from the resolver (tests.urlwalk), so a new view fails
test_every_url_pattern_has_a_row until it is given one in ROWS. Each row names the action of
accounts/permissions.py the view must enforce, and the test asks that table — not a copy of
it — who may open the page: a view that checks another action, or none, fails here.

Subjects: alice (owner), an admin, a developer and a viewer of alice's organization; charlie,
the owner of another organization (the outsider); an anonymous visitor.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import permissions
from accounts.models import Role
from apps import services as app_services
from sandbox.models import EndUser
from tests.conftest import organization_of
from tests.kyb.conftest import complete_kyb
from tests.urlwalk import Endpoint, endpoints

pytestmark = pytest.mark.django_db

SUBJECTS = ["owner", "admin", "developer", "viewer", "outsider", "anonymous"]


@dataclass(frozen=True)
class Row:
    # "page": a page of the visitor's own organization (the outsider sees their own);
    # "object": names an object of alice's organization (the outsider gets 404);
    # "hidden": like "object", and a member without the permission gets 404 too (KYB
    # documents: their existence is personal data); "user": any logged-in person, no
    # organization involved; "public": no log-in needed; "api": client credentials, not a
    # session (the token endpoint's own tests cover it).
    scope: str
    action: str | None = None


def page(action: str) -> Row:
    return Row("page", action)


def obj(action: str) -> Row:
    return Row("object", action)


USER = Row("user")
PUBLIC = Row("public")
API = Row("api")

ROWS: dict[str, Row] = {
    "home": USER,
    "accounts:resend_verification": PUBLIC,
    "account_login": PUBLIC,
    "account_logout": PUBLIC,
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,
    "account_reauthenticate": USER,
    "account_request_reauthentication_code": USER,
    "account_confirm_reauthentication_code": USER,
    "account_email": USER,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": USER,
    "account_set_password": USER,
    "account_reset_password": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "mfa_index": USER,
    "mfa_authenticate": PUBLIC,
    "mfa_reauthenticate": USER,
    "mfa_activate_totp": USER,
    "mfa_deactivate_totp": USER,
    "mfa_view_recovery_codes": USER,
    "mfa_generate_recovery_codes": USER,
    "mfa_download_recovery_codes": USER,
    "mfa_list_webauthn": USER,
    "mfa_add_webauthn": USER,
    "mfa_reauthenticate_webauthn": USER,
    "mfa_remove_webauthn": USER,
    "mfa_edit_webauthn": USER,
    "usersessions_list": USER,
    "apps:list": page("app.view"),
    "apps:create": page("app.create"),
    "apps:detail": obj("app.view"),
    "apps:settings": obj("app.view"),
    "apps:api_client": obj("app.view"),
    "apps:client_secret_create": obj("client_secret.create"),
    "apps:client_secret_revoke": obj("client_secret.revoke"),
    "apps:client_secret_roll": obj("client_secret.create"),  # rolling creates the new secret
    "apps:redirect_uri_add": obj("redirect_uri.change"),
    "apps:redirect_uri_remove": obj("redirect_uri.change"),
    "apps:activity": obj("app.view"),
    "sandbox:users": obj("app.view"),
    "sandbox:user_delete": obj("end_user.delete"),
    "api:token": API,
    "api:introspect": API,
    "api:jwks": API,
    "api:secret_scanning_github": API,  # GitHub's signature, not a session
    "api:user_create": API,  # the app's client token
    "api:authorization_grant": API,
    "api:openapi": PUBLIC,  # the API's description: public like the JWKS, no account's data
    "api:reference": PUBLIC,
    "products:contact_sales": page("sales.contact"),
    "kyb:products": page("products.view"),
    "kyb:production_access_request": page("production_access.request"),
    "kyb:go_live": page("products.view"),
    "kyb:kyb": page("kyb.view"),
    # The steps: seen with kyb.view, saved (POST) with kyb.edit.
    "kyb:company": page("kyb.view"),
    "kyb:owners": page("kyb.view"),
    "kyb:owner_remove": page("kyb.edit"),
    "kyb:directors": page("kyb.view"),
    "kyb:director_remove": page("kyb.edit"),
    "kyb:documents": page("kyb.view"),
    "kyb:document_remove": page("kyb.edit"),
    "kyb:document_download": Row("hidden", "kyb.view"),
    "kyb:review": page("kyb.view"),
    "kyb:submit": page("kyb.edit"),
    "analytics:overview": page("app.view"),
    "analytics:app": obj("app.view"),
    "analytics:csv": obj("app.view"),
    "accounts:team_index": page("team.view"),
    "accounts:membership_leave": page("team.view"),
    "accounts:invitation_create": page("team.invite"),
    "accounts:invitation_resend": page("team.invite"),
    "accounts:invitation_cancel": page("team.invite"),
    "accounts:member_role_change": page("team.change_role"),
    "accounts:member_remove": page("team.remove"),
    "accounts:ownership_transfer": page("organization.transfer"),
    "accounts:two_factor_requirement": page("organization.require_two_factor"),
    "accounts:organization_delete": page("organization.delete"),
    "accounts:unused_secret_emails": page("organization.unused_secret_emails"),
    "accounts:organization_settings": page("organization.delete"),
    "accounts:organization_switch": USER,
    "accounts:two_factor_continue": USER,
    "accounts:invitation": PUBLIC,
    "accounts:account_secure": PUBLIC,
    "accounts:account_secure_done": PUBLIC,
    "accounts:settings_index": USER,
    "accounts:account_delete": USER,
    "accounts:audit_log": page("audit.view"),
    "accounts:audit_export": page("audit.view"),
}


def console_endpoints(values: dict | None = None) -> list[Endpoint]:
    """Every pattern but Django's admin, which is staff-only as a whole (tested apart)."""
    return [e for e in endpoints(values) if not e.url.startswith("/admin/")]


def test_every_url_pattern_has_a_row():
    missing = [e.name for e in console_endpoints() if e.name not in ROWS]
    assert missing == [], f"Give these views a row in ROWS: {missing}"
    unknown = [row.action for row in ROWS.values() if row.action]
    assert [a for a in unknown if a not in permissions.PERMISSIONS] == []


@pytest.fixture
def world(alice, charlie, add_member, catalog):
    organization = organization_of(alice)
    members = {
        role: add_member(organization, role) for role in (Role.ADMIN, Role.DEVELOPER, Role.VIEWER)
    }
    app = app_services.app_create(
        organization=organization,
        name="Matrix app",
        display_name="Alice Fintech",
        app_type="sandbox",
        created_by=alice,
    )
    secret, _ = app_services.client_secret_create(app=app, created_by=alice)
    uri = app_services.redirect_uri_add(app=app, uri="https://example.com/cb", added_by=alice)
    end_user = EndUser.objects.create(
        app=app, external_user_id="matrix", market="SE", locale="sv_SE"
    )
    submission = complete_kyb(alice)
    values = {
        "client_id": app.client_id,
        "secret_id": secret.pk,
        "uri_id": uri.pk,
        "user_id": end_user.user_id,
        "slug": "transactions",
        "owner_id": submission.owners.get().pk,
        "director_id": submission.directors.get().pk,
        "document_id": submission.documents.first().pk,
    }
    subjects = {"owner": alice, "outsider": charlie, **members}
    return subjects, values


def _outcome(client, url: str) -> str:
    response = client.get(url)
    if response.status_code in (301, 302) and response["Location"].startswith(
        reverse(settings.LOGIN_URL)
    ):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "not found"
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    return "open"


def _expected(row: Row, subject: str) -> str | None:
    """What `subject` must meet at a URL of this row; None where anything but an error goes."""
    if row.scope == "api":
        return None
    if subject == "anonymous":
        return None if row.scope == "public" else "login"
    if row.scope in ("public", "user"):
        return None
    role = Role.OWNER if subject == "outsider" else subject
    allowed = permissions.allows(role, row.action)
    if subject == "outsider" and row.scope in ("object", "hidden"):
        return "not found"
    if allowed:
        return "open"
    return "not found" if row.scope == "hidden" else "forbidden"


@pytest.mark.parametrize("subject", SUBJECTS)
def test_each_url_answers_each_subject_as_the_permission_table_says(client, world, subject):
    subjects, values = world
    if subject != "anonymous":
        client.force_login(subjects[subject])
    wrong = []
    for endpoint in console_endpoints(values):
        expected = _expected(ROWS[endpoint.name], subject)
        outcome = _outcome(client, endpoint.url)
        if expected is None:
            if outcome == "login" and subject != "anonymous":
                wrong.append(f"{endpoint.name}: a logged-in {subject} was sent to log in")
        elif outcome != expected:
            wrong.append(f"{endpoint.name} ({endpoint.url}): {outcome}, expected {expected}")
    assert wrong == [], "\n".join(wrong)
