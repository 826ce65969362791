import contextlib
import importlib
import os

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.core.cache import cache
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Organization, User
from apps import services as app_services
from apps.models import App
from products import selectors as product_selectors

PASSWORD = "correct-horse-battery-staple-42"


def log_in(client, email: str = "alice@example.com", password: str = PASSWORD):
    """Log in through allauth's Log in page, as a browser's form would."""
    return client.post(reverse("account_login"), {"login": email, "password": password})


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
    """Rate-limit counters live in the cache, and each process keeps the catalog's scopes
    for a while; no test inherits another's."""
    cache.clear()
    product_selectors.forget_catalog()
    yield
    cache.clear()
    product_selectors.forget_catalog()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a view (or anything) and then what it queued for after commit, as a real request's
    commit would: the emails it queued are then in mail.outbox."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


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
def org(alice) -> Organization:
    """Alice's organization."""
    return organization_of(alice)


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
    """The same test, once as an anonymous visitor and once as alice, an organization owner.

    Alice has an app with an active and a revoked secret and a redirect URI, and the page
    sweeps (tests.urlwalk.console_pages) fill URLs with their ids from client.url_values.
    """
    if request.param == "member":
        alice = request.getfixturevalue("alice")
        app = request.getfixturevalue("make_app")(alice)
        revoked, _ = app_services.client_secret_create(app=app, created_by=alice, name="Old")
        app_services.client_secret_revoke(secret=revoked, revoked_by=alice)
        app_services.client_secret_create(app=app, created_by=alice, name="CI")
        uri = app_services.redirect_uri_add(app=app, uri="https://example.com/cb", added_by=alice)
        client.url_values = {"client_id": app.client_id, "secret_id": revoked.pk, "uri_id": uri.pk}
        client.force_login(alice)
    return client


def client_for(client, user):
    """The test client, logged in as `user`."""
    client.force_login(user)
    return client


def reauthenticate(client, password: str = PASSWORD) -> None:
    """Type the password again on allauth's "Confirm it's you" page, as a change of the
    account's email (ACCOUNT_REAUTHENTICATION_REQUIRED) or of two-factor log-in asks; the
    confirmation lasts five minutes."""
    from django.urls import reverse

    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, "the password was not confirmed"


def give_two_factor(user: User) -> str:
    """An authenticator app for `user` (staff need one for the admin); returns its secret, for
    a test that must type a code. Never print it."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def make_staff(make_user, email: str, *codenames: str) -> User:
    """A staff member (not a superuser: the permissions named are what count) with two-factor
    log-in, which staff need for the admin; a fresh instance, since permissions are cached."""
    from django.contrib.auth.models import Permission

    user = make_user(email, organization=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    give_two_factor(user)
    return User.objects.get(pk=user.pk)


def totp_code(secret: str) -> str:
    """The authenticator app's current code for `secret`."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 2:  # so the code is still current when it is typed
        time.sleep(period - time.time() % period)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def organization_of(user: User) -> Organization:
    return Membership.objects.select_related("organization").get(user=user).organization


@pytest.fixture
def add_member(make_user):
    """A new verified user who joins `organization` with `role`."""

    def add(organization: Organization, role: str, email: str | None = None) -> User:
        user = make_user(email or f"{role}@example.com", organization=None)
        Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return add


@pytest.fixture
def catalog(db) -> frozenset[str]:
    """The product catalog of products/migrations/0002_catalog.py, and every scope in it.

    A transactional test (live_server, the integration tests) flushes every table when it
    ends, the catalog's rows with them, so later tests put them back; loading is idempotent.
    """
    migration = importlib.import_module("products.migrations.0002_catalog")
    migration.load(django_apps, None)
    product_selectors.forget_catalog()
    return product_selectors.all_scopes()


def contact_sales(user: User, **changes):
    """Step 1 of going to production, as the Contact sales form would send it."""
    from products.models import MonthlyVolume, Product
    from products.services import sales_contact_create

    fields = {
        "company_name": "Alice Fintech AB",
        "work_email": user.email,
        "country": "SE",
        "website": "https://alice.example",
        "products": list(Product.objects.filter(slug="transactions")),
        "monthly_volume": MonthlyVolume.UP_TO_10K,
        "message": "We would like to go live in the spring.",
    }
    fields.update(changes)
    return sales_contact_create(organization=organization_of(user), sent_by=user, **fields)


@pytest.fixture
def make_app(db, catalog):
    def make(
        owner: User,
        *,
        name: str = "Demo Bank sandbox",
        display_name: str = "Alice Fintech",
        app_type: str = App.Type.SANDBOX,
    ) -> App:
        organization = organization_of(owner)
        if app_type == App.Type.PRODUCTION and not product_selectors.sales_contacted(
            organization=organization
        ):
            contact_sales(owner)
        return app_services.app_create(
            organization=organization_of(owner),
            name=name,
            display_name=display_name,
            app_type=app_type,
            created_by=owner,
        )

    return make


@pytest.fixture
def sandbox_app(alice, make_app) -> App:
    """A sandbox app of alice's organization, with no secrets."""
    return make_app(alice)
