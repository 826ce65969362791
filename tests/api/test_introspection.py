"""POST /api/v1/oauth/introspect, and the one check every resource endpoint makes of a bearer
token: a valid signature, not expired, and the client secret it was minted with (its `sid`
claim) still valid. A revoked secret's tokens are inactive at once; the answer about a secret
is cached for CONSOLE_TOKEN_SECRET_CACHE_SECONDS, the most a revoke can take to be seen when
the cache missed the revoke's invalidation."""

import time
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.cache import caches

from api import keys
from apps import selectors, services
from tests.api.conftest import INTROSPECT_PATH, REDIS_URL, TOKEN_PATH, Credentials, Hidden
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def post(client, path: str, data: dict):
    return client.post(path, data=urlencode(data), content_type=FORM, CONTENT_TYPE=FORM)


def mint(client, credentials: Credentials) -> Hidden:
    response = post(
        client,
        TOKEN_PATH,
        {
            "client_id": credentials.client_id,
            "client_secret": credentials.secret,
            "grant_type": "client_credentials",
        },
    )
    assert response.status_code == 200
    return Hidden(response.json()["access_token"])


def introspect(client, caller: Credentials, token: str) -> dict:
    response = post(
        client,
        INTROSPECT_PATH,
        {"client_id": caller.client_id, "client_secret": caller.secret, "token": token},
    )
    assert response.status_code == 200
    return response.json()


def signed(**claims) -> Hidden:
    """A token signed with our key, with exactly these claims."""
    return Hidden(keys.encode(claims))


def claims_like(token: str, **changes) -> dict:
    claims = {**keys.decode(token), **changes}
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def resource_server(alice, make_app, make_credentials) -> Credentials:
    """Another app of alice's organization that introspects the tokens: its own secret stays
    active while the token's secret is revoked."""
    return make_credentials(make_app(alice, name="Resource server"))


@pytest.fixture
def token(client, sandbox_credentials) -> Hidden:
    return mint(client, sandbox_credentials)


def secret_of(credentials: Credentials):
    return credentials.app.secrets.get()


@pytest.fixture
def cache_clock(monkeypatch):
    """Moves the local cache's clock (the one that expires its entries) forward."""
    from django.core.cache.backends import locmem

    offset = SimpleNamespace(seconds=0.0)
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: time.time() + offset.seconds))
    return offset


# --- The sid claim ---------------------------------------------------------------------------


def test_a_token_names_the_secret_it_was_minted_with(token, sandbox_credentials):
    assert keys.decode(token)["sid"] == secret_of(sandbox_credentials).pk


def test_introspection_does_not_show_the_sid(client, token, resource_server):
    answer = introspect(client, resource_server, token)
    assert answer["active"] is True
    assert "sid" not in answer


# --- Revoking the secret ---------------------------------------------------------------------


def test_revoking_the_secret_makes_its_tokens_inactive_at_once(
    client, token, sandbox_credentials, resource_server, alice, django_capture_on_commit_callbacks
):
    assert introspect(client, resource_server, token)["active"] is True  # now in the cache

    with django_capture_on_commit_callbacks(execute=True):
        services.client_secret_revoke(secret=secret_of(sandbox_credentials), revoked_by=alice)

    assert introspect(client, resource_server, token) == {"active": False}


def test_a_revoke_through_the_console_makes_its_tokens_inactive_at_once(
    client, token, sandbox_credentials, resource_server, alice_client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    app, secret = sandbox_credentials.app, secret_of(sandbox_credentials)
    assert introspect(client, resource_server, token)["active"] is True

    url = f"/apps/{app.client_id}/settings/api-client/secrets/{secret.pk}/revoke/"
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.post(url).status_code == 302

    assert introspect(client, resource_server, token) == {"active": False}


def test_tokens_of_the_apps_other_secrets_stay_active(
    client, token, sandbox_credentials, resource_server, make_credentials, alice,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    revoked = secret_of(sandbox_credentials)
    other = mint(client, make_credentials(sandbox_credentials.app))

    with django_capture_on_commit_callbacks(execute=True):
        services.client_secret_revoke(secret=revoked, revoked_by=alice)

    assert introspect(client, resource_server, token) == {"active": False}
    assert introspect(client, resource_server, other)["active"] is True


def test_a_revoke_the_cache_never_heard_of_is_seen_after_the_bound_at_most(
    client, token, sandbox_credentials, resource_server, alice, settings, cache_clock
):
    """As when Redis was unreachable at the revoke's commit: the cached answer expires."""
    settings.CONSOLE_TOKEN_SECRET_CACHE_SECONDS = 5
    assert introspect(client, resource_server, token)["active"] is True

    # Outside django_capture_on_commit_callbacks, the revoke's on-commit invalidation never
    # runs: the test's transaction is rolled back, not committed.
    services.client_secret_revoke(secret=secret_of(sandbox_credentials), revoked_by=alice)

    cache_clock.seconds = 4.9
    assert introspect(client, resource_server, token)["active"] is True  # the cached answer
    cache_clock.seconds = 5.0
    assert introspect(client, resource_server, token) == {"active": False}


def test_with_the_cache_off_a_revoke_is_seen_without_any_invalidation(
    client, token, sandbox_credentials, resource_server, alice, settings
):
    settings.CONSOLE_TOKEN_SECRET_CACHE_SECONDS = 0
    assert introspect(client, resource_server, token)["active"] is True

    services.client_secret_revoke(secret=secret_of(sandbox_credentials), revoked_by=alice)

    assert introspect(client, resource_server, token) == {"active": False}


def test_a_deleted_app_s_tokens_are_inactive(client, token, sandbox_credentials, resource_server):
    sandbox_credentials.app.delete()
    assert introspect(client, resource_server, token) == {"active": False}


# --- Tokens that don't name a valid secret ---------------------------------------------------


def test_a_token_without_sid_is_inactive(client, token, resource_server):
    assert introspect(client, resource_server, signed(**claims_like(token, sid=None))) == {
        "active": False
    }


@pytest.mark.parametrize("sid", ["1", True, 0, -1, 1.0, None, [1], 2**63])
def test_a_sid_that_is_no_secret_id_is_inactive(client, token, resource_server, sid):
    forged = claims_like(token)
    forged["sid"] = sid
    assert introspect(client, resource_server, signed(**forged)) == {"active": False}


def test_a_sid_of_another_apps_secret_is_inactive(client, token, resource_server):
    other_secret = resource_server.app.secrets.get()
    forged = signed(**claims_like(token, sid=other_secret.pk))
    assert introspect(client, resource_server, forged) == {"active": False}


def test_a_sid_of_no_secret_is_inactive(client, token, resource_server):
    forged = signed(**claims_like(token, sid=10**9))
    assert introspect(client, resource_server, forged) == {"active": False}


def test_another_organizations_token_is_inactive(client, token, charlie, make_app):
    charlies_app = make_app(charlie, name="Charlie app")
    _, plaintext = services.client_secret_create(app=charlies_app, created_by=charlie)
    assert introspect(client, Credentials(charlies_app, plaintext), token) == {"active": False}


def test_an_expired_token_of_a_valid_secret_is_inactive(client, token, resource_server):
    now = int(time.time())
    expired = signed(**claims_like(token, iat=now - 1800, exp=now))
    assert introspect(client, resource_server, expired) == {"active": False}


# --- What it costs ---------------------------------------------------------------------------


def test_introspection_reads_the_secret_once_then_answers_from_the_cache(
    client, token, resource_server, django_assert_num_queries
):
    # The caller's authentication, then the token's secret (and its app and organization).
    with django_assert_num_queries(2):
        assert introspect(client, resource_server, token)["active"] is True
    with django_assert_num_queries(1):  # the caller's authentication only
        assert introspect(client, resource_server, token)["active"] is True


def test_the_token_endpoint_reads_the_secret_once_and_nothing_more_for_the_sid(
    client, sandbox_credentials, redis_usage, django_assert_num_queries
):
    """As in production (counts in Redis), a token costs one query: the sid is the id that
    query already returns."""
    mint(client, sandbox_credentials)  # the catalog's scopes are read once per process
    with django_assert_num_queries(1) as queries:
        token = mint(client, sandbox_credentials)
    assert "apps_clientsecret" in queries.captured_queries[0]["sql"]
    assert keys.decode(token)["sid"] == secret_of(sandbox_credentials).pk


# --- With Redis, the production cache --------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "console-test-introspection",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    cache = caches["default"]
    try:
        cache.get("ping")
    except Exception:  # django-redis's ConnectionInterrupted, whatever the cause
        skip_or_fail(f"no Redis at {REDIS_URL}, so the shared cache of secrets can't be tested")
    yield cache
    cache.delete_pattern("*")


def test_in_redis_the_answer_lives_for_the_bound_and_a_revoke_replaces_it(
    client, token, sandbox_credentials, resource_server, alice, settings, redis_cache,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.CONSOLE_TOKEN_SECRET_CACHE_SECONDS = 5
    secret = secret_of(sandbox_credentials)
    assert introspect(client, resource_server, token)["active"] is True
    key = selectors.client_secret_cache_key(secret.pk)
    assert 0 < redis_cache.ttl(key) <= 5

    with django_capture_on_commit_callbacks(execute=True):
        services.client_secret_revoke(secret=secret, revoked_by=alice)

    assert introspect(client, resource_server, token) == {"active": False}
    assert 0 < redis_cache.ttl(key) <= 5
