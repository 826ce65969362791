import contextlib
import os

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts import services
from accounts.models import User

PASSWORD = "correct-horse-battery-staple-42"
STRICT = os.environ.get("CONSOLE_STRICT_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    """A missing service skips the test on a laptop and fails it in CI (CONSOLE_STRICT_TESTS=1)."""
    if STRICT:
        pytest.fail(f"CONSOLE_STRICT_TESTS=1 and {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def celery_broker(url: str, *, queue: str | None = None):
    """Point this process's Celery app at a real broker for the block, then restore it.

    Celery caches its connection and producer pools per app; they are dropped (not closed:
    kombu keeps pools in a global registry, and a closed one would be handed out again).
    """
    from console.celery import app

    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_default_queue)

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    conf.task_always_eager, conf.broker_url = False, url
    if queue:
        conf.task_default_queue = queue
    reset_pools()
    try:
        yield app
    finally:
        conf.task_always_eager, conf.broker_url, conf.task_default_queue = saved
        reset_pools()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def make(
        email: str,
        *,
        password: str = PASSWORD,
        verified: bool = True,
        organization: str | None = "Acme Payments",
    ) -> User:
        user = User.objects.create_user(email=email, password=password)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
        if organization:
            services.organization_create(name=organization, owner=user)
        return user

    return make


@pytest.fixture
def alice(make_user) -> User:
    """An owner of her organization, verified."""
    return make_user("alice@example.com", organization="Alice Fintech")


@pytest.fixture
def charlie(make_user) -> User:
    """An outsider: a member of another organization."""
    return make_user("charlie@example.org", organization="Charlie Bank")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(params=["anonymous", "member"])
def visitor(request, client):
    """The same test, once as an anonymous visitor and once as alice, an organization owner."""
    if request.param == "member":
        client.force_login(request.getfixturevalue("alice"))
    return client
