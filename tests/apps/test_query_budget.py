"""The console's pages cost the same number of queries whatever an organization holds.

Each page is measured twice: with one app and one secret, then with 200 apps, 105 secrets
(5 active, 100 revoked), 20 redirect URIs and 300 audit events. The two counts must be
equal (no query per row), and the page must stay within its budget, the count measured
when the budget was set. A budget that grows needs a reason.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from apps import credentials, services
from apps.models import MAX_REDIRECT_URIS, App, ClientSecret, RedirectURI, new_client_id
from products.selectors import forget_catalog
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db

# Every measured request reads the product catalog (forget_catalog): its process cache expires
# on a clock, which would otherwise decide whether a request pays one more query.

BULK_APPS = 199  # with the sandbox app: 200
REVOKED = 100
EVENTS = 300

# page -> (URL of the page for an app, the most queries it may take). A request costs 5 before
# the page's own: session, user, membership and organization, and the savepoint pair of
# ATOMIC_REQUESTS; the top dropdown's app list is one more on every console page.
PAGES = {
    # The go-live checklist on Home: one query for the four steps' facts (kyb.gate._facts).
    "home": (lambda app: reverse("home"), 7),
    "apps:list": (lambda app: reverse("apps:list"), 7),
    "apps:detail": (lambda app: app.get_absolute_url(), 9),
    "apps:settings": (lambda app: reverse("apps:settings", args=[app.client_id]), 7),
    "apps:api_client": (lambda app: reverse("apps:api_client", args=[app.client_id]), 12),
    "apps:activity": (lambda app: reverse("apps:activity", args=[app.client_id]), 9),
}

# What each page shows once the organization is large: proof it rendered the rows.
SHOWS = {
    "home": ["Bulk app 199", "Demo Bank sandbox"],
    "apps:list": ["Bulk app 199", "Demo Bank sandbox"],
    "apps:detail": ["5 of 5 client secrets active", f"{MAX_REDIRECT_URIS} redirect URIs"],
    "apps:settings": ["Bulk app 199"],
    "apps:api_client": [f"Revoked and expired secrets ({REVOKED})", "tink_cs_0099", "tink_cs_A005"],
    "apps:activity": ["Page 1 of 7", "revoked-0299"],
}


def queries_for(client, url: str) -> int:
    forget_catalog()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def grow(app: App) -> None:
    """Make alice's organization large, around `app`, in a handful of bulk inserts."""
    organization, owner = app.organization, app.created_by
    now = timezone.now()
    apps = App.objects.bulk_create(
        App(
            organization=organization,
            name=f"Bulk app {i:03d}",
            display_name="Alice Fintech",
            app_type=App.Type.PRODUCTION if i % 2 else App.Type.SANDBOX,
            client_id=new_client_id(),
            created_by=owner,
        )
        for i in range(1, BULK_APPS + 1)
    )

    def secret(app: App, hint: str, **fields) -> ClientSecret:
        digest = credentials.hash_secret(f"{app.client_id}-{hint}")
        return ClientSecret(app=app, hint=hint, secret_hash=digest, created_by=owner, **fields)

    ClientSecret.objects.bulk_create(
        [secret(app, f"tink_cs_A{slot:03d}", slot=slot) for slot in range(2, 6)]
        + [
            secret(
                app,
                f"tink_cs_{i:04d}",
                slot=None,
                revoked_at=now,
                revoked_by=owner,
                ended_reason="revoked",
            )
            for i in range(REVOKED)
        ]
        # One active secret in every other app, so the list has counts to show.
        + [secret(other, "tink_cs_B001", slot=1) for other in apps]
    )
    RedirectURI.objects.bulk_create(
        RedirectURI(app=app, uri=f"https://example.com/cb/{i}", created_by=owner)
        for i in range(MAX_REDIRECT_URIS - app.redirect_uris.count())
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=organization,
            actor=owner,
            actor_email=owner.email,
            action=AuditEvent.Action.CLIENT_SECRET_REVOKE,
            target_type="app",
            target_id=app.client_id,
            target_label=app.name,
            details={"secret": f"tink_cs_{i:04d}", "name": f"revoked-{i:04d}"},
            created_at=now + timedelta(seconds=i),
        )
        for i in range(EVENTS)
    )


@pytest.fixture
def small_app(alice, sandbox_app) -> App:
    """One app, one active secret, one redirect URI."""
    services.client_secret_create(app=sandbox_app, created_by=alice, name="CI")
    services.redirect_uri_add(app=sandbox_app, uri="https://example.com/cb", added_by=alice)
    return sandbox_app


def test_grow_makes_the_organization_large(small_app, alice):
    grow(small_app)

    assert App.objects.filter(organization=organization_of(alice)).count() == 200
    assert small_app.secrets.active().count() == 5
    assert small_app.secrets.revoked().count() == REVOKED
    assert small_app.secrets.count() == 105
    assert small_app.redirect_uris.count() == MAX_REDIRECT_URIS
    assert AuditEvent.objects.filter(target_id=small_app.client_id).count() >= EVENTS


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_takes_as_many_queries_for_200_apps_as_for_one(
    name, small_app, alice_client, django_assert_max_num_queries
):
    page_url, budget = PAGES[name]
    url = page_url(small_app)

    small = queries_for(alice_client, url)
    grow(small_app)
    large = queries_for(alice_client, url)

    assert small == large, f"{name}: {small} queries with one app, {large} with 200"
    forget_catalog()
    with django_assert_max_num_queries(budget):
        response = alice_client.get(url)
    missing = [text for text in SHOWS[name] if text not in response.content.decode()]
    assert missing == [], f"{name} doesn't show what the large organization holds"
