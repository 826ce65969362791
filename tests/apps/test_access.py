"""Who may do what on the apps pages: every URL of the `apps` namespace, for every kind of visitor.

The URLs come from the resolver (tests.urlwalk), so a new apps view fails
test_every_apps_endpoint_has_a_row_in_the_matrix until it is given a row in PAGES.

Subjects: alice (owner), an admin, a developer and a viewer of alice's organization; charlie,
the owner of another organization (the outsider); an anonymous visitor.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Organization, Role
from apps import services
from apps.models import App, ClientSecret, RedirectURI
from tests.conftest import PASSWORD, organization_of
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db

SUBJECTS = ["owner", "admin", "developer", "viewer", "outsider", "anonymous"]
WRITERS = {"owner", "admin", "developer"}

NEW_APP = "Matrix app"
NEW_NAME = "Renamed in the matrix"
NEW_SECRET = "Matrix secret"
NEW_URI = "https://matrix.example.com/callback"


@dataclass
class World:
    organization: Organization
    app: App
    other_app: App  # another app of alice's organization
    secret: ClientSecret
    uri: RedirectURI
    other_secret: ClientSecret  # belongs to other_app
    other_uri: RedirectURI
    foreign_app: App  # charlie's
    foreign_secret: ClientSecret
    foreign_uri: RedirectURI

    @property
    def values(self) -> dict:
        return {"client_id": self.app.client_id, "secret_id": self.secret.pk, "uri_id": self.uri.pk}


def form_token(client, url: str) -> str:
    """The one-time token of the secret form, as a browser would send it ("" if refused)."""
    response = client.get(url)
    if response.status_code != 200:
        return ""
    match = re.search(r'name="form_token" value="([^"]*)"', response.content.decode())
    return match[1] if match else ""


@dataclass(frozen=True)
class Write:
    data: Callable  # (client, url) -> the POST body
    done: Callable  # (world) -> the write is in the database


@dataclass(frozen=True)
class Page:
    scope: str  # "organization": a page of the visitor's own organization; "app": one app's
    get: str  # "read": any member may GET it; "write": writers only
    write: Write | None  # None: not a form target; a POST is a read at most
    writer_get: int = 200
    writer_post: int = 302


PAGES: dict[str, Page] = {
    "apps:list": Page("organization", "read", None),
    "apps:create": Page(
        "organization",
        "write",
        Write(
            data=lambda client, url: {
                "name": NEW_APP,
                "display_name": "Matrix Pay",
                "app_type": "sandbox",
            },
            done=lambda world: App.objects.filter(
                organization=world.organization, name=NEW_APP
            ).exists(),
        ),
    ),
    "apps:detail": Page("app", "read", None),
    "apps:settings": Page(
        "app",
        "read",
        Write(
            data=lambda client, url: {"name": NEW_NAME},
            done=lambda world: App.objects.get(pk=world.app.pk).name == NEW_NAME,
        ),
    ),
    "apps:api_client": Page("app", "read", None),
    "apps:client_secret_create": Page(
        "app",
        "write",
        Write(
            data=lambda client, url: {
                "name": NEW_SECRET,
                "password": PASSWORD,
                "form_token": form_token(client, url),
            },
            done=lambda world: (
                ClientSecret.objects.active().filter(app=world.app, name=NEW_SECRET).exists()
            ),
        ),
        writer_post=200,  # the page that shows the new secret once
    ),
    "apps:client_secret_roll": Page(
        "app",
        "write",
        Write(
            data=lambda client, url: {
                "expires": "1h",
                "password": PASSWORD,
                "form_token": form_token(client, url),
            },
            done=lambda world: ClientSecret.objects.get(pk=world.secret.pk).expires_at is not None,
        ),
        writer_post=200,  # the page that shows the new secret once
    ),
    "apps:client_secret_revoke": Page(
        "app",
        "write",
        Write(
            data=lambda client, url: {},
            done=lambda world: ClientSecret.objects.get(pk=world.secret.pk).revoked_at is not None,
        ),
    ),
    "apps:redirect_uri_add": Page(
        "app",
        "write",
        Write(
            data=lambda client, url: {"uri": NEW_URI},
            done=lambda world: RedirectURI.objects.filter(app=world.app, uri=NEW_URI).exists(),
        ),
        writer_get=302,  # the form lives on the API client tab
    ),
    "apps:redirect_uri_remove": Page(
        "app",
        "write",
        Write(
            data=lambda client, url: {},
            done=lambda world: not RedirectURI.objects.filter(pk=world.uri.pk).exists(),
        ),
        writer_get=302,
    ),
    "apps:activity": Page("app", "read", None),
}


def apps_endpoints(values: dict | None = None) -> dict[str, str]:
    """url name -> concrete URL, for every pattern of the apps namespace."""
    return {e.name: e.url for e in endpoints(values) if e.name.startswith("apps:")}


def snapshot(organization: Organization | None = None) -> dict:
    """Every row of apps, secrets, redirect URIs and audit events (of one organization)."""
    apps = App.objects.all()
    secrets = ClientSecret.objects.all()
    uris = RedirectURI.objects.all()
    events = AuditEvent.objects.filter(target_type="app")  # log-ins are audited too
    if organization is not None:
        apps = apps.filter(organization=organization)
        secrets = secrets.filter(app__organization=organization)
        uris = uris.filter(app__organization=organization)
        events = events.filter(organization=organization)
    return {
        "counts": [qs.count() for qs in (apps, secrets, uris, events)],
        "apps": sorted(apps.values_list("pk", "name")),
        "secrets": sorted(secrets.values_list("pk", "slot", "revoked_at")),
        "uris": sorted(uris.values_list("pk", "uri")),
    }


def sends_to_login(response, url: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path == reverse("account_login") and parse_qs(location.query).get("next") == [
        url
    ]


@pytest.fixture
def world(alice, charlie, make_app) -> World:
    app = make_app(alice)
    other_app = make_app(alice, name="Alice second app")
    foreign_app = make_app(charlie, name="Charlie payments app", display_name="Charlie Bank")

    def secret_of(owner_app: App, user) -> ClientSecret:
        secret, _ = services.client_secret_create(app=owner_app, created_by=user, name="CI")
        return secret

    def uri_of(owner_app: App, user) -> RedirectURI:
        return services.redirect_uri_add(app=owner_app, uri="https://example.com/cb", added_by=user)

    return World(
        organization=organization_of(alice),
        app=app,
        other_app=other_app,
        secret=secret_of(app, alice),
        uri=uri_of(app, alice),
        other_secret=secret_of(other_app, alice),
        other_uri=uri_of(other_app, alice),
        foreign_app=foreign_app,
        foreign_secret=secret_of(foreign_app, charlie),
        foreign_uri=uri_of(foreign_app, charlie),
    )


@pytest.fixture
def as_subject(client, alice, charlie, add_member, world):
    """The test client, logged in as `subject` (or not at all)."""

    def login(subject: str):
        if subject == "owner":
            client.force_login(alice)
        elif subject == "outsider":
            client.force_login(charlie)
        elif subject != "anonymous":
            client.force_login(add_member(world.organization, Role(subject)))
        return client

    return login


def test_every_apps_endpoint_has_a_row_in_the_matrix():
    found = set(apps_endpoints())
    assert found == set(PAGES), (
        f"Without a row in PAGES: {sorted(found - set(PAGES))}; "
        f"rows for no endpoint: {sorted(set(PAGES) - found)}"
    )


def test_the_subjects_have_the_roles_they_are_named_after(as_subject, world, alice, charlie):
    for subject in ("admin", "developer", "viewer"):
        client = as_subject(subject)
        user = client.get(reverse("apps:list")).wsgi_request.user
        assert user.memberships.get().role == subject
        assert organization_of(user) == world.organization
    assert organization_of(charlie) != organization_of(alice)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_who_may_get_each_apps_page(name, subject, as_subject, world):
    page = PAGES[name]
    url = apps_endpoints(world.values)[name]
    client = as_subject(subject)
    before = snapshot()

    response = client.get(url)

    if subject == "anonymous":
        assert sends_to_login(response, url), response.status_code
    elif subject == "outsider" and page.scope == "app":
        assert response.status_code == 404
    elif subject == "viewer" and page.get == "write":
        assert response.status_code == 403
    elif subject == "viewer" or page.get == "read":
        assert response.status_code == 200
    else:  # a writer, or the outsider on a page of his own organization
        assert response.status_code == page.writer_get
    assert snapshot() == before, "a GET changed the database"


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_who_may_post_to_each_apps_page(name, subject, as_subject, world):
    page = PAGES[name]
    url = apps_endpoints(world.values)[name]
    client = as_subject(subject)
    data = page.write.data(client, url) if page.write else {"name": NEW_NAME, "uri": NEW_URI}
    before, alice_before = snapshot(), snapshot(world.organization)
    events_before = AuditEvent.objects.filter(target_type="app").count()

    response = client.post(url, data)

    if page.write is None:
        # Not a form target: whatever the answer, nothing is written.
        if subject == "anonymous":
            assert sends_to_login(response, url), response.status_code
        assert snapshot() == before
    elif subject == "anonymous":
        assert sends_to_login(response, url), response.status_code
        assert snapshot() == before
    elif subject == "outsider" and page.scope == "app":
        assert response.status_code == 404
        assert snapshot() == before
    elif subject == "viewer":
        assert response.status_code == 403
        assert snapshot() == before
    elif subject == "outsider":  # his own organization's page: the write lands there only
        assert response.status_code == page.writer_post
        assert snapshot(world.organization) == alice_before
        assert not page.write.done(world), "the outsider wrote into alice's organization"
        assert AuditEvent.objects.filter(target_type="app").count() == events_before + 1
    else:
        assert response.status_code == page.writer_post
        assert page.write.done(world), f"{subject}'s POST to {name} wrote nothing"
        assert AuditEvent.objects.filter(target_type="app").count() == events_before + 1, (
            "the write was not audited"
        )


def test_outsider_sees_only_their_own_apps_on_the_list_and_create_pages(as_subject, world):
    client = as_subject("outsider")
    alice_marks = [world.app.name, world.other_app.name, world.app.client_id]
    alice_marks.append(world.other_app.client_id)

    for url in (reverse("apps:list"), reverse("apps:create")):
        body = client.get(url).content.decode()
        shown = [mark for mark in alice_marks if mark in body]
        assert shown == [], f"{url} shows alice's apps to charlie"
        assert world.foreign_app.name in body, f"{url} doesn't show charlie's own app"


def test_revoking_another_organizations_secret_through_your_app_is_404(alice_client, world):
    url = reverse("apps:client_secret_revoke", args=[world.app.client_id, world.foreign_secret.pk])

    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url).status_code == 404
    world.foreign_secret.refresh_from_db()
    assert world.foreign_secret.is_active


def test_revoking_your_secret_through_the_outsiders_own_app_is_404(as_subject, world):
    client = as_subject("outsider")
    url = reverse("apps:client_secret_revoke", args=[world.foreign_app.client_id, world.secret.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    world.secret.refresh_from_db()
    assert world.secret.is_active


def test_removing_another_organizations_redirect_uri_through_your_app_is_404(alice_client, world):
    url = reverse("apps:redirect_uri_remove", args=[world.app.client_id, world.foreign_uri.pk])

    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url).status_code == 404
    assert RedirectURI.objects.filter(pk=world.foreign_uri.pk).exists()


def test_removing_your_redirect_uri_through_the_outsiders_own_app_is_404(as_subject, world):
    client = as_subject("outsider")
    url = reverse("apps:redirect_uri_remove", args=[world.foreign_app.client_id, world.uri.pk])

    assert client.post(url).status_code == 404
    assert RedirectURI.objects.filter(pk=world.uri.pk).exists()


def test_a_secret_of_another_app_of_the_organization_is_404_through_the_wrong_app(
    alice_client, world
):
    url = reverse("apps:client_secret_revoke", args=[world.app.client_id, world.other_secret.pk])
    before = snapshot()

    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url).status_code == 404
    assert snapshot() == before
    world.other_secret.refresh_from_db()
    assert world.other_secret.is_active


def test_a_redirect_uri_of_another_app_of_the_organization_is_404_through_the_wrong_app(
    alice_client, world
):
    url = reverse("apps:redirect_uri_remove", args=[world.app.client_id, world.other_uri.pk])
    before = snapshot()

    assert alice_client.post(url).status_code == 404
    assert snapshot() == before


def test_an_unknown_client_id_is_404_like_a_foreign_one(alice_client, world):
    unknown = "0" * 32
    for name, url in apps_endpoints({**world.values, "client_id": unknown}).items():
        if PAGES[name].scope == "app":
            assert alice_client.get(url).status_code == 404, name
