"""An app's users and their grants (issue 15, first part): POST /api/v1/user/create and
POST /api/v1/oauth/authorization-grant with the app's client token, and the code exchanged at
the token endpoint (grant_type=authorization_code) for a user access token.

Users are per app: another app's user, or another organization's, is never found.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from api import keys, services
from apps import services as app_services
from apps.models import App
from sandbox.models import CODE_MINUTES, EndUser
from tests.api.conftest import TOKEN_PATH, Credentials, Hidden

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
USER_CREATE = "/api/v1/user/create"
GRANT = "/api/v1/oauth/authorization-grant"


def form_post(client, path: str, data: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, data=urlencode(data), content_type=FORM, headers=headers)


def client_token(client, credentials: Credentials, scope: str | None = None) -> Hidden:
    data = {
        "client_id": credentials.client_id,
        "client_secret": credentials.secret,
        "grant_type": "client_credentials",
    }
    if scope:
        data["scope"] = scope
    response = form_post(client, TOKEN_PATH, data)
    assert response.status_code == 200, response.json()
    return Hidden(response.json()["access_token"])


def create_user(client, token: str, external_user_id: str = "user-1", **fields):
    body = {"external_user_id": external_user_id, "market": "SE", "locale": "sv_SE", **fields}
    return client.post(
        USER_CREATE,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def grant(client, token: str, **fields):
    return form_post(client, GRANT, {"scope": "accounts:read,transactions:read", **fields}, token)


def exchange(client, credentials: Credentials, code: str):
    return form_post(
        client,
        TOKEN_PATH,
        {
            "client_id": credentials.client_id,
            "client_secret": credentials.secret,
            "grant_type": "authorization_code",
            "code": code,
        },
    )


@pytest.fixture
def token(client, sandbox_credentials) -> Hidden:
    return client_token(client, sandbox_credentials)


# --- Creating users -----------------------------------------------------------------------------


def test_a_client_token_with_user_create_makes_a_user(client, token, sandbox_credentials):
    response = create_user(client, token, "customer-42")
    body = response.json()
    user = EndUser.objects.get()
    assert response.status_code == 200
    assert body == {"user_id": user.user_id, "external_user_id": "customer-42"}
    assert (user.app, user.market, user.locale) == (sandbox_credentials.app, "SE", "sv_SE")


def test_an_external_user_id_is_unique_per_app_409_on_a_repeat(
    client, token, alice, make_app, make_credentials
):
    first = create_user(client, token, "same")
    again = create_user(client, token, "same")
    other_app = client_token(client, make_credentials(make_app(alice, name="Other")))
    elsewhere = create_user(client, other_app, "same")
    assert (first.status_code, again.status_code, elsewhere.status_code) == (200, 409, 200)
    assert again.json()["errorCode"] == "CONFLICT"
    assert EndUser.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"external_user_id": ""}, 400),
        ({"external_user_id": "x" * 256}, 400),
        ({"external_user_id": 42}, 400),
        ({"external_user_id": "tab\there"}, 400),
        ({"market": "XX"}, 400),
        ({"market": None}, 400),
        ({"locale": "english"}, 400),
        ({"locale": ["sv_SE"]}, 400),
    ],
)
def test_bad_fields_are_400_and_create_nothing(client, token, fields, status):
    response = create_user(client, token, **{"external_user_id": "ok", **fields})
    assert response.status_code == status
    assert set(response.json()) == {"errorCode", "errorMessage"}
    assert not EndUser.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("[" * 5000, "application/json", 400),
        ('{"external_user_id": "a", "market": "SE", "locale": "sv_SE"}', "text/plain", 415),
        ("{" + '"a": "' + "x" * 9000 + '"}', "application/json", 413),
    ],
)
def test_a_body_that_isnt_a_json_object_is_refused(client, token, body, content_type, status):
    response = client.post(
        USER_CREATE,
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == status
    assert not EndUser.objects.exists()


def test_without_a_token_or_with_a_bad_one_it_is_401(client, token):
    missing = client.post(USER_CREATE, data="{}", content_type="application/json")
    forged = create_user(client, token[:-4] + "AAAA")
    assert (missing.status_code, forged.status_code) == (401, 401)
    assert missing["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_user_create_is_403(client, sandbox_credentials):
    narrow = client_token(client, sandbox_credentials, scope="accounts:read")
    response = create_user(client, narrow)
    assert response.status_code == 403 and "user:create" in response.json()["errorMessage"]


def test_a_token_of_a_revoked_secret_is_401(client, token, sandbox_credentials, alice):
    app_services.client_secret_revoke(
        secret=sandbox_credentials.app.secrets.get(), revoked_by=alice
    )
    assert create_user(client, token).status_code == 401


def test_a_production_app_without_approved_products_gets_no_user_create(
    client, alice, make_app, make_credentials
):
    credentials = make_credentials(make_app(alice, name="Live", app_type=App.Type.PRODUCTION))
    response = form_post(
        client,
        TOKEN_PATH,
        {
            "client_id": credentials.client_id,
            "client_secret": credentials.secret,
            "grant_type": "client_credentials",
            "scope": "user:create",
        },
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


# --- Granting and exchanging ------------------------------------------------------------------


@pytest.fixture
def user_id(client, token) -> str:
    return create_user(client, token, "customer-1").json()["user_id"]


def test_a_grant_gives_a_code_that_the_token_endpoint_exchanges_for_a_user_token(
    client, token, user_id, sandbox_credentials
):
    code = grant(client, token, user_id=user_id).json()["code"]
    response = exchange(client, sandbox_credentials, code)
    body = response.json()
    claims = keys.decode(body["access_token"])
    assert response.status_code == 200
    assert (body["token_type"], body["expires_in"], body["scope"]) == (
        "bearer",
        1800,
        "accounts:read,transactions:read",
    )
    assert claims["sub"] == user_id and claims["client_id"] == sandbox_credentials.client_id
    assert claims["scope"] == "accounts:read transactions:read"
    verified = services.token_verify(token=body["access_token"])
    assert verified is not None and verified.user_id == user_id


def test_a_user_can_be_named_by_external_user_id(client, token, user_id, sandbox_credentials):
    code = grant(client, token, external_user_id="customer-1").json()["code"]
    claims = keys.decode(exchange(client, sandbox_credentials, code).json()["access_token"])
    assert claims["sub"] == user_id


def test_a_code_is_single_use(client, token, user_id, sandbox_credentials):
    code = grant(client, token, user_id=user_id).json()["code"]
    first = exchange(client, sandbox_credentials, code)
    second = exchange(client, sandbox_credentials, code)
    assert first.status_code == 200
    assert (second.status_code, second.json()["error"]) == (400, "invalid_grant")


def test_a_code_expires_after_ten_minutes(client, token, user_id, sandbox_credentials):
    code = grant(client, token, user_id=user_id).json()["code"]
    with time_machine.travel(timezone.now() + timedelta(minutes=CODE_MINUTES, seconds=1)):
        late = exchange(client, sandbox_credentials, code)
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")


def test_a_code_is_bound_to_its_app(client, token, user_id, alice, make_app, make_credentials):
    code = grant(client, token, user_id=user_id).json()["code"]
    other = make_credentials(make_app(alice, name="Other app"))
    stolen = exchange(client, other, code)
    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")


def test_another_apps_user_is_not_found(client, token, alice, make_app, make_credentials):
    other_token = client_token(client, make_credentials(make_app(alice, name="Other")))
    theirs = create_user(client, other_token, "theirs").json()["user_id"]
    by_id = grant(client, token, user_id=theirs)
    by_external = grant(client, token, external_user_id="theirs")
    assert (by_id.status_code, by_external.status_code) == (404, 404)


def test_another_organizations_user_is_not_found(client, token, charlie, make_app):
    their_app = make_app(charlie, name="Charlie's")
    _, plaintext = app_services.client_secret_create(app=their_app, created_by=charlie)
    their_token = client_token(client, Credentials(their_app, plaintext))
    theirs = create_user(client, their_token, "c-1").json()["user_id"]
    assert grant(client, token, user_id=theirs).status_code == 404


NAMED = object()  # the fixture's user_id


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"scope": "accounts:read"}, "invalid_request"),  # no user named
        ({"user_id": NAMED, "external_user_id": "customer-1"}, "invalid_request"),  # both
        ({"user_id": NAMED, "scope": ""}, "invalid_scope"),
        ({"user_id": NAMED, "scope": "user:create"}, "invalid_scope"),
        ({"user_id": NAMED, "scope": "nonsense:read"}, "invalid_scope"),
        ({"user_id": NAMED, "scope": "not a scope!"}, "invalid_scope"),
    ],
)
def test_a_bad_grant_is_refused_and_gives_no_code(client, token, user_id, fields, error):
    data = {name: user_id if value is NAMED else value for name, value in fields.items()}
    response = form_post(client, GRANT, {"scope": "accounts:read", **data}, token)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "code" not in response.json()


def test_a_grant_needs_authorization_grant_in_the_token(client, sandbox_credentials, user_id):
    narrow = client_token(client, sandbox_credentials, scope="user:create")
    response = grant(client, narrow, user_id=user_id)
    assert response.status_code == 403


def test_a_user_token_cannot_create_users_or_grant(client, token, user_id, sandbox_credentials):
    code = grant(client, token, user_id=user_id, scope="accounts:read").json()["code"]
    user_token = exchange(client, sandbox_credentials, code).json()["access_token"]
    assert create_user(client, user_token, "x").status_code == 403
    assert grant(client, user_token, user_id=user_id).status_code == 403


def test_an_unknown_grant_type_names_both(client, sandbox_credentials):
    response = form_post(
        client,
        TOKEN_PATH,
        {
            "client_id": sandbox_credentials.client_id,
            "client_secret": sandbox_credentials.secret,
            "grant_type": "password",
        },
    )
    assert response.json()["error_description"] == (
        "grant_type is client_credentials or authorization_code."
    )
