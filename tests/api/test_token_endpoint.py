"""POST /api/v1/oauth/token as PRODUCT.md specifies: client_credentials, form fields or HTTP
Basic, Tink's comma-separated scopes, 1800-second tokens, RFC 6749 §5.2 errors."""

import base64
import json
from urllib.parse import quote, urlencode

import pytest

from accounts.models import AuditEvent
from api import keys
from apps import services
from apps.models import App
from products.models import Product, ProductionGrant
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/oauth/token"
FORM = "application/x-www-form-urlencoded"
SAME_401 = {"error": "invalid_client", "error_description": "Client authentication failed."}


@pytest.fixture
def credentials(sandbox_app, alice):
    """(app, secret row, plaintext) of a sandbox app with one active secret."""
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)
    return sandbox_app, secret, plaintext


def post(client, data: dict | bytes | str, *, content_type: str = FORM, **headers):
    body = urlencode(data) if isinstance(data, dict) else data
    # CONTENT_TYPE too: the test client leaves it out of requests with an empty body.
    return client.post(
        TOKEN, data=body, content_type=content_type, CONTENT_TYPE=content_type, **headers
    )


def ask(client, app: App, plaintext: str, **fields):
    data = {"client_id": app.client_id, "client_secret": plaintext}
    data.update({"grant_type": "client_credentials", **fields})
    return post(client, data)


def claims_of(response) -> dict:
    return keys.decode(response.json()["access_token"])


# --- Success ----------------------------------------------------------------------------------


def test_it_issues_a_bearer_token_for_1800_seconds(client, credentials):
    app, _, plaintext = credentials
    response = ask(client, app, plaintext, scope="accounts:read,transactions:read")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1800)
    assert body["scope"] == "accounts:read,transactions:read"
    claims = claims_of(response)
    assert claims["sub"] == claims["client_id"] == app.client_id
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["scope"] == "accounts:read transactions:read"
    assert response["Cache-Control"] == "no-store"


def test_http_basic_works_too(client, credentials):
    app, _, plaintext = credentials
    basic = base64.b64encode(f"{quote(app.client_id)}:{quote(plaintext)}".encode()).decode()
    response = post(
        client,
        {"grant_type": "client_credentials", "scope": "accounts:read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "accounts:read"


def test_no_scope_asked_gives_the_apps_full_allowed_set(client, credentials):
    app, _, plaintext = credentials
    everything = {scope for product in Product.objects.all() for scope in product.scopes}
    response = ask(client, app, plaintext)
    assert set(response.json()["scope"].split(",")) == everything


def test_space_separated_scopes_as_oauth_libraries_send_them(client, credentials):
    app, _, plaintext = credentials
    response = ask(client, app, plaintext, scope="accounts:read transactions:read")
    assert response.json()["scope"] == "accounts:read,transactions:read"


def test_no_session_no_csrf_no_cookies(client, credentials):
    app, _, plaintext = credentials
    client.handler.enforce_csrf_checks = True
    response = ask(client, app, plaintext)
    assert response.status_code == 200
    assert not response.cookies
    assert not client.cookies


def test_a_token_is_never_written_to_the_audit_log_or_the_database(client, credentials):
    app, _, plaintext = credentials
    token = ask(client, app, plaintext).json()["access_token"]
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert token not in stored


# --- Client authentication ---------------------------------------------------------------------


def test_unknown_client_wrong_revoked_and_other_apps_secret_get_the_same_401(
    client, credentials, alice, make_app
):
    app, secret, plaintext = credentials
    other_app = make_app(alice, name="Other")
    _, others_plaintext = services.client_secret_create(app=other_app, created_by=alice)
    revoked, revoked_plaintext = services.client_secret_create(app=app, created_by=alice)
    services.client_secret_revoke(secret=revoked, revoked_by=alice)
    attempts = [
        ("f" * 32, plaintext),  # unknown client
        (app.client_id, plaintext[:-3] + "abc"),  # wrong secret (bad checksum)
        (app.client_id, services.credentials.generate()),  # wrong, well-formed secret
        (app.client_id, revoked_plaintext),  # revoked
        (app.client_id, others_plaintext),  # another app's secret
        (app.client_id, ""),  # empty
        ("not-a-client-id", plaintext),
    ]
    for client_id, candidate in attempts:
        response = post(
            client,
            {
                "client_id": client_id,
                "client_secret": candidate,
                "grant_type": "client_credentials",
            },
        )
        assert response.status_code == 401
        assert response.json() == SAME_401
        assert response["WWW-Authenticate"].startswith("Basic ")


def test_a_revoked_secret_is_refused_on_the_very_next_request(client, credentials, alice):
    app, secret, plaintext = credentials
    assert ask(client, app, plaintext).status_code == 200
    services.client_secret_revoke(secret=secret, revoked_by=alice)
    assert ask(client, app, plaintext).status_code == 401


def test_a_revoke_through_the_console_stops_the_secret(client, alice_client, credentials):
    app, secret, plaintext = credentials
    url = f"/apps/{app.client_id}/settings/api-client/secrets/{secret.pk}/revoke/"
    assert alice_client.post(url).status_code == 302
    assert ask(client, app, plaintext).status_code == 401


@pytest.mark.parametrize(
    ("data", "description"),
    [
        ({"grant_type": "client_credentials"}, "client_id is missing"),
        ({"grant_type": "client_credentials", "client_id": "a" * 32}, "client_secret is missing"),
    ],
)
def test_missing_credentials_are_invalid_client(client, data, description):
    response = post(client, data)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert description in response.json()["error_description"]


def test_basic_and_form_secret_together_are_refused(client, credentials):
    app, _, plaintext = credentials
    basic = base64.b64encode(f"{app.client_id}:{plaintext}".encode()).decode()
    response = post(
        client,
        {"grant_type": "client_credentials", "client_secret": plaintext},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "header",
    ["Basic !!!not-base64!!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc"],
)
def test_malformed_basic_credentials_are_invalid_client(client, header):
    response = post(client, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == SAME_401


# --- Throttling ---------------------------------------------------------------------------------


def fail(client, client_id: str, **extra):
    return post(
        client,
        {
            "client_id": client_id,
            "client_secret": services.credentials.generate(),
            "grant_type": "client_credentials",
        },
        **extra,
    )


def test_failures_past_the_limit_get_429_with_retry_after(client, credentials, settings):
    settings.CONSOLE_TOKEN_FAILURES_PER_CLIENT = 3
    app, _, _ = credentials
    statuses = [fail(client, app.client_id).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    throttled = fail(client, app.client_id)
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled.json()["error"] == "invalid_client"


def test_the_throttle_never_blocks_a_correct_secret(client, credentials, settings, alice, make_app):
    settings.CONSOLE_TOKEN_FAILURES_PER_CLIENT = 3
    settings.CONSOLE_TOKEN_FAILURES_PER_IP = 5
    app, _, plaintext = credentials
    other = make_app(alice, name="Other")
    _, others_plaintext = services.client_secret_create(app=other, created_by=alice)
    for _ in range(10):
        fail(client, app.client_id)  # this client_id and this IP are both over their limits
    assert fail(client, app.client_id).status_code == 429
    assert fail(client, other.client_id).status_code == 429  # the IP limit
    assert ask(client, app, plaintext).status_code == 200
    assert ask(client, other, others_plaintext).status_code == 200


def test_the_ip_limit_counts_every_client_from_that_ip(client, settings):
    settings.CONSOLE_TOKEN_FAILURES_PER_IP = 4
    statuses = [fail(client, f"{n:032x}").status_code for n in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]
    other_ip = fail(client, "e" * 32, REMOTE_ADDR="198.51.100.9")
    assert other_ip.status_code == 401


# --- Grant types and scopes -----------------------------------------------------------------------


@pytest.mark.parametrize("grant_type", ["refresh_token", "password", "", "CLIENT_CREDENTIALS"])
def test_other_grant_types_are_unsupported(client, credentials, grant_type):
    app, _, plaintext = credentials
    response = ask(client, app, plaintext, grant_type=grant_type)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    "scope",
    [
        "accounts:read,,transactions:read",
        "accounts:read;transactions:read",
        "ACCOUNTS:READ",
        "<script>",
        "accounts",
        "accounts:read,nope:nope",
        "x:y" + ",x:y" * 400,
        "accounts:read,\x00",
    ],
)
def test_junk_in_the_scope_list_is_invalid_scope(client, credentials, scope):
    app, _, plaintext = credentials
    response = ask(client, app, plaintext, scope=scope)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_scope", "invalid_request")
    assert "access_token" not in response.json()


def test_a_production_app_without_approvals_gets_invalid_scope(client, alice, make_app):
    app = make_app(alice, name="Live", app_type="production")
    _, plaintext = services.client_secret_create(app=app, created_by=alice)
    for scope in (None, "accounts:read"):
        response = ask(client, app, plaintext, **({"scope": scope} if scope else {}))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"


def test_a_production_app_gets_the_scopes_of_its_approved_products_only(client, alice, make_app):
    app = make_app(alice, name="Live", app_type="production")
    _, plaintext = services.client_secret_create(app=app, created_by=alice)
    payments = Product.objects.get(slug="payment-initiation")
    ProductionGrant.objects.create(organization=organization_of(alice), product=payments)
    full = ask(client, app, plaintext)
    assert set(full.json()["scope"].split(",")) == set(payments.scopes)
    assert ask(client, app, plaintext, scope="payment:write").status_code == 200
    refused = ask(client, app, plaintext, scope="payment:write,transactions:read")
    assert refused.status_code == 400
    assert "transactions:read" in refused.json()["error_description"]


def test_another_organizations_approval_does_not_count(client, alice, charlie, make_app):
    app = make_app(alice, name="Live", app_type="production")
    _, plaintext = services.client_secret_create(app=app, created_by=alice)
    ProductionGrant.objects.create(
        organization=organization_of(charlie), product=Product.objects.get(slug="transactions")
    )
    assert ask(client, app, plaintext, scope="transactions:read").status_code == 400


def test_the_api_client_tab_lists_the_allowed_scopes(alice_client, alice, make_app):
    sandbox = make_app(alice, name="Sandbox")
    live = make_app(alice, name="Live", app_type="production")
    page = alice_client.get(f"/apps/{sandbox.client_id}/settings/api-client/").content.decode()
    assert "<code>payment:write</code>" in page and "<code>transactions:read</code>" in page
    page = alice_client.get(f"/apps/{live.client_id}/settings/api-client/").content.decode()
    assert "No products are approved for production yet" in page


# --- Bad input: the right 4xx and a JSON error, never a 500 or HTML ------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"grant_type": "client_credentials"}', "application/json", 415),
        ("grant_type=client_credentials", "text/plain", 415),
        ("grant_type=client_credentials", "multipart/form-data; boundary=x", 415),
        ("grant_type=client_credentials", f"{FORM}; charset=latin-1", 415),
        ("", FORM, 400),
        ("grant_type=client_credentials&grant_type=client_credentials", FORM, 400),
        ("client_id=a&client_id=b&grant_type=client_credentials", FORM, 400),
        (b"grant_type=client_credentials&scope=%ff%fe", FORM, 400),
        (b"grant_type=\xff\xfe", FORM, 400),
        ("x=" + "a" * 1_000_000, FORM, 413),
        ("&".join(f"f{n}=1" for n in range(50)), FORM, 400),
        ("client_id=%00&client_secret=x&grant_type=client_credentials", FORM, 400),
    ],
)
def test_bad_input_gets_a_json_4xx(client, body, content_type, status):
    response = post(client, body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"]


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_get_a_json_405(client, method):
    response = getattr(client, method)(TOKEN)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"] == "invalid_request"


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_dropped_is_replaced_on_the_token_path(client, credentials):
    from django.db import connection

    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("dropping a connection needs PostgreSQL (SQLite's test database is in memory)")
    app, _, plaintext = credentials
    assert ask(client, app, plaintext).status_code == 200
    connection.ensure_connection()
    connection.connection.close()  # as if the database had restarted under a kept connection
    assert ask(client, app, plaintext).status_code == 200


def test_with_the_shared_cache_down_a_wrong_secret_still_gets_401(client, credentials, settings):
    """The throttle fails open, like the log-in limits: an outage is no reason for a 500."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    app, _, plaintext = credentials
    assert fail(client, app.client_id).status_code == 401
    assert ask(client, app, plaintext).status_code == 200


def test_a_catalog_edit_reaches_the_token_endpoint_once_committed(
    client, credentials, django_capture_on_commit_callbacks
):
    app, _, plaintext = credentials
    assert ask(client, app, plaintext, scope="reports:read").status_code == 400
    product = Product.objects.get(slug="transactions")
    product.scopes = [*product.scopes, "reports:read"]
    with django_capture_on_commit_callbacks(execute=True):
        product.save()
    assert ask(client, app, plaintext, scope="reports:read").status_code == 200
