"""Fixtures of the Tink API tests: apps whose client secret the test knows, and the catalog."""

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from api import throttle
from apps import services as app_services
from apps.models import App
from products.models import Product, ProductionGrant
from tests.conftest import organization_of, skip_or_fail

TOKEN_PATH = "/api/v1/oauth/token"
INTROSPECT_PATH = "/api/v1/oauth/introspect"
JWKS_PATH = "/api/v1/oauth/jwks"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def fail_authentication_too_often(ip: str) -> None:
    """Count enough failed client authentications from `ip` to get it throttled."""
    for _ in range(settings.CONSOLE_TOKEN_FAILURES_PER_IP + 1):
        throttle.failure(client_id="someone-else", ip=ip)


class Hidden(str):
    """A string that every repr shows as <hidden>: in pytest's tracebacks (which list each
    frame's arguments) and in the examples Hypothesis prints."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<hidden>"


class Credentials:
    """An app's client credentials. Not a dataclass: Hypothesis prints a dataclass field by
    field, whatever its repr says, and a failing example must never show the secret."""

    __slots__ = ("app", "client_id", "secret")

    def __init__(self, app: App, secret: str):
        self.app, self.client_id, self.secret = app, app.client_id, Hidden(secret)

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, secret=<hidden>)"


@pytest.fixture(autouse=True)
def _no_server_thread_outlives_the_test(request) -> Iterator[None]:
    """Wait for the live server's request threads to finish before the test ends.

    With SQLite in memory they share the test's database connection, which stops being
    shareable once the live server stops; a thread still closing its connection then fails
    (PytestUnhandledThreadExceptionWarning). Clients send "Connection: close", so this wait
    is short.
    """
    yield
    if "live_server" not in request.fixturenames:
        return
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=5)


@pytest.fixture
def make_credentials(alice, catalog):
    def make(app: App) -> Credentials:
        _, plaintext = app_services.client_secret_create(
            app=app, created_by=alice, name="API tests"
        )
        return Credentials(app, plaintext)

    return make


@pytest.fixture
def sandbox_credentials(sandbox_app, make_credentials) -> Credentials:
    """A sandbox app of alice's organization with one active secret: any catalog scope."""
    return make_credentials(sandbox_app)


@pytest.fixture
def production_credentials(alice, make_app, make_credentials) -> Credentials:
    """A production app whose organization has production access to Balance Check only.

    The grant is written directly: the KYB review that writes it is another issue's.
    """
    app = make_app(alice, name="Live bank", app_type=App.Type.PRODUCTION)
    ProductionGrant.objects.create(
        organization=organization_of(alice), product=Product.objects.get(slug="balance-check")
    )
    return make_credentials(app)


@pytest.fixture
def redis_usage(settings):
    """The production path: counts in a real Redis, under a prefix of this test's own."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        skip_or_fail(f"no Redis at {REDIS_URL}, so the usage counters cannot be tested")
    settings.CONSOLE_USAGE_REDIS_URL = REDIS_URL
    settings.CONSOLE_USAGE_PREFIX = f"test-usage:{uuid.uuid4().hex}"
    yield client
    for key in client.scan_iter(match=f"{settings.CONSOLE_USAGE_PREFIX}:*"):
        client.delete(key)
