"""Deny by default: every page sends an anonymous visitor to a log-in page, except a short,
explicit allow-list. A view made public by accident (a stray @login_not_required, a new
third-party URL include) fails here until it is added to the allow-list on purpose.

The URLs come from the resolver itself, so a new URL pattern is covered without anyone
remembering to add it. The walker lives in tests/urlwalk.py.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse

from tests.urlwalk import Endpoint, endpoints

# Public on purpose. Anything else must send an anonymous visitor to a log-in page.
PUBLIC = {
    "account_login",
    "account_signup",
    "account_logout",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "accounts:resend_verification",
    # Where allauth sends an inactive (deactivated) user who tried to log in; that user is
    # never logged in, so the page must be public. It says only that the account is inactive.
    "account_inactive",
    # An invitation link: the invited person may have no account yet. It shows only the
    # organization, the role and who invited, and only to someone holding the link.
    "accounts:invitation",
    # The "Secure your account" link of a security notice: its owner may be locked out by
    # then. Without a valid signed link it shows only that the link isn't valid.
    "accounts:account_secure",
    "accounts:account_secure_done",
    # The Tink API: clients authenticate with their credentials, not a session.
    "api:token",
    "api:introspect",
    "api:jwks",
    # GitHub reports leaked secrets here, authenticated by its signature over the body.
    "api:secret_scanning_github",
    # An app's users and grants: the app's client token (Bearer), not a session.
    "api:user_create",
    "api:authorization_grant",
    # The API's description, as YAML and as the reference page rendered from it: public like
    # the JWKS, since it describes the API and holds no account's data.
    "api:openapi",
    "api:reference",
}


def login_pages() -> set[str]:
    return {reverse("account_login"), reverse("admin:login")}


def sends_to_login(response, url: str) -> bool:
    """A 302 to a log-in page, which may bring the visitor back to `url` afterwards."""
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path in login_pages() and parse_qs(location.query).get("next", [url]) == [url]


@pytest.fixture
def every_endpoint() -> list[Endpoint]:
    return endpoints()


def test_the_walker_finds_the_pages_we_know_about(every_endpoint):
    names = {endpoint.name for endpoint in every_endpoint}
    assert {"home", "account_login", "account_signup", "account_confirm_email"} <= names
    assert {"admin:index", "admin:accounts_user_change", "admin:app_list"} <= names
    assert "admin/<path:object_id>/" not in names, "unnamed patterns are named by route"
    assert any(name.endswith("(?P<url>.*)$") for name in names), "the admin's catch-all"
    assert PUBLIC <= names, f"Allow-listed but not routed: {PUBLIC - names}"


def public_pages(client) -> set[str]:
    """Names of the URL patterns an anonymous visitor can GET without being sent to log in."""
    return {
        endpoint.name
        for endpoint in endpoints()
        if not sends_to_login(client.get(endpoint.url), endpoint.url)
    }


@pytest.mark.django_db
def test_only_the_allow_listed_pages_are_public(client):
    public = public_pages(client)

    assert public == PUBLIC, (
        f"Public by accident: {sorted(public - PUBLIC)}; "
        f"allow-listed but not public: {sorted(PUBLIC - public)}"
    )


@login_not_required
def careless_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Organization secrets")


def private_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Organization secrets")


class UrlsWithANewView:
    urlpatterns = [
        path("careless/", careless_view, name="careless"),
        path("private/", private_view, name="private"),
        path("", include("console.urls")),
    ]


@pytest.mark.django_db
def test_a_view_made_public_by_accident_is_caught(client, settings):
    settings.ROOT_URLCONF = UrlsWithANewView
    assert public_pages(client) - PUBLIC == {"careless"}


@pytest.mark.django_db
def test_every_private_page_also_refuses_an_anonymous_post(client, every_endpoint):
    """LoginRequiredMiddleware runs before the view, whatever the method."""
    leaked = []
    for endpoint in every_endpoint:
        if endpoint.name in PUBLIC:
            continue
        response = client.post(endpoint.url)
        if response.status_code != 302 or urlsplit(response["Location"]).path not in (
            login_pages() | {reverse("admin:index")}
        ):
            leaked.append(f"{endpoint.name} -> {response.status_code}")
    assert leaked == []


@pytest.mark.django_db
def test_the_front_door_sends_a_visitor_to_log_in(client):
    response = client.get("/")
    assert sends_to_login(response, "/")
    assert urlsplit(response["Location"]).path == reverse("account_login")


@pytest.mark.django_db
def test_a_logged_in_user_gets_past_the_login_redirect(alice_client):
    """The other half of the spec: a private console page is served to a verified user."""
    for name in ("home", "apps:list", "kyb:products", "accounts:settings_index"):
        response = alice_client.get(reverse(name))
        assert response.status_code == 200, name
