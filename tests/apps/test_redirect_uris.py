"""Redirect URIs: absolute, with a scheme and a host; https, a custom app scheme, or http on
localhost; no fragments, no duplicates, at most 20 per app."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from apps import services
from apps.models import RedirectURI
from apps.validators import normalize_redirect_uri

GOOD = [
    ("https://example.com/callback", "https://example.com/callback"),
    ("https://example.com", "https://example.com"),
    ("https://EXAMPLE.com/Call?x=1&y=2", "https://example.com/Call?x=1&y=2"),
    ("HTTPS://example.com:8443/cb", "https://example.com:8443/cb"),
    ("  https://example.com/cb  ", "https://example.com/cb"),
    ("https://sub.domain.example.co.uk/a/b/c", "https://sub.domain.example.co.uk/a/b/c"),
    ("https://192.0.2.10/cb", "https://192.0.2.10/cb"),
    ("https://xn--bcher-kva.example/cb", "https://xn--bcher-kva.example/cb"),
    ("http://localhost:3000/callback", "http://localhost:3000/callback"),
    ("http://127.0.0.1/cb", "http://127.0.0.1/cb"),
    ("http://[::1]:8080/cb", "http://[::1]:8080/cb"),
    ("https://localhost/cb", "https://localhost/cb"),
    ("awesomeapp://callback", "awesomeapp://callback"),
    ("com.example.app://oauth/redirect", "com.example.app://oauth/redirect"),
    ("my-app+dev://cb", "my-app+dev://cb"),
]

BAD = [
    ("", "Enter a redirect URI."),
    ("   ", "Enter a redirect URI."),
    ("/callback", "Enter an absolute URI with a scheme"),
    ("example.com/callback", "Enter an absolute URI with a scheme"),
    ("//example.com/cb", "Enter an absolute URI with a scheme"),
    ("1app://cb", "Enter an absolute URI with a scheme"),
    ("http://example.com/cb", "http is allowed only for localhost"),
    ("http://localhost.evil.com/cb", "http is allowed only for localhost"),
    ("https://example.com/cb#frag", "can't contain a fragment"),
    ("https://example.com/cb#", "can't contain a fragment"),
    ("https://user:pass@example.com/cb", "can't contain a user name or password"),
    ("https://*.example.com/cb", "Wildcards (*) aren't allowed"),
    ("https://exa mple.com/cb", "can't contain spaces or control characters"),
    ("https://example.com/c\nb", "can't contain spaces or control characters"),
    ("https://example.com/c\tb", "can't contain spaces or control characters"),
    ("https://bücher.example/cb", "Use ASCII characters only"),
    ("javascript:alert(1)", "javascript: URIs can't be redirect URIs."),
    ("JavaScript://%0aalert(1)", "javascript: URIs can't be redirect URIs."),
    ("data:text/html,hi", "data: URIs can't be redirect URIs."),
    ("file:///etc/passwd", "file: URIs can't be redirect URIs."),
    ("https:///cb", "needs a host after //"),
    ("https://", "needs a host after //"),
    ("awesomeapp:callback", "needs a host after //"),
    ("awesomeapp:///callback", "needs a host after //"),
    ("https://example.com:99999/cb", "The port must be a number between 1 and 65535."),
    ("https://example.com:0/cb", "The port must be a number between 1 and 65535."),
    ("https://example.com:abc/cb", "The port must be a number between 1 and 65535."),
    ("https://-bad-.example/cb", "Enter a valid URI"),
    ("https://example/cb", "Enter a valid URI"),
    ("https://" + "a" * 1990 + ".com/", "at most 2,000 characters"),
]


@pytest.mark.parametrize(("uri", "stored"), GOOD)
def test_it_accepts(uri, stored):
    assert normalize_redirect_uri(uri) == stored


@pytest.mark.parametrize(("uri", "message"), BAD)
def test_it_refuses_with_a_reason(uri, message):
    with pytest.raises(ValidationError) as refused:
        normalize_redirect_uri(uri)
    assert message in refused.value.messages[0]


def add_url(app) -> str:
    return f"/apps/{app.client_id}/settings/api-client/redirect-uris/"


@pytest.mark.django_db
def test_add_new_redirect_uri_from_the_api_client_tab(alice_client, sandbox_app, alice):
    page = alice_client.get(f"/apps/{sandbox_app.client_id}/settings/api-client/")
    assert ">Add new redirect URI</button>" in page.content.decode()
    response = alice_client.post(
        add_url(sandbox_app), {"uri": "awesomeapp://callback"}, follow=True
    )
    assert "Redirect URI awesomeapp://callback added." in response.content.decode()
    uri = RedirectURI.objects.get()
    assert (uri.app, uri.uri, uri.created_by) == (sandbox_app, "awesomeapp://callback", alice)


@pytest.mark.django_db
def test_a_malformed_uri_shows_the_reason_and_adds_nothing(alice_client, sandbox_app):
    response = alice_client.post(add_url(sandbox_app), {"uri": "http://example.com/cb"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Use https: http is allowed only for localhost." in page
    assert 'value="http://example.com/cb"' in page  # kept in the field to correct it
    assert not RedirectURI.objects.exists()
    assert not AuditEvent.objects.filter(action="redirect_uri.add").exists()


@pytest.mark.django_db
def test_a_duplicate_is_refused_even_with_other_case_in_scheme_and_host(sandbox_app, alice):
    services.redirect_uri_add(app=sandbox_app, uri="https://example.com/cb", added_by=alice)
    with pytest.raises(ValidationError, match="already on the list"):
        services.redirect_uri_add(app=sandbox_app, uri="HTTPS://Example.COM/cb", added_by=alice)
    assert RedirectURI.objects.count() == 1


@pytest.mark.django_db
def test_the_same_uri_on_two_apps_is_fine(sandbox_app, alice, make_app):
    other = make_app(alice, name="Other")
    for app in (sandbox_app, other):
        services.redirect_uri_add(app=app, uri="https://example.com/cb", added_by=alice)
    assert RedirectURI.objects.count() == 2


@pytest.mark.django_db
def test_at_most_twenty(alice_client, sandbox_app, alice):
    for n in range(20):
        services.redirect_uri_add(app=sandbox_app, uri=f"https://example.com/{n}", added_by=alice)
    response = alice_client.post(add_url(sandbox_app), {"uri": "https://example.com/21"})
    assert "already has 20 redirect URIs" in response.content.decode()
    assert RedirectURI.objects.count() == 20


@pytest.mark.django_db
def test_remove(alice_client, sandbox_app, alice):
    uri = services.redirect_uri_add(app=sandbox_app, uri="https://example.com/cb", added_by=alice)
    url = f"/apps/{sandbox_app.client_id}/settings/api-client/redirect-uris/{uri.pk}/remove/"
    assert alice_client.get(url).status_code == 302  # only the button's POST removes
    assert RedirectURI.objects.exists()
    response = alice_client.post(url, follow=True)
    assert "Redirect URI https://example.com/cb removed." in response.content.decode()
    assert not RedirectURI.objects.exists()
    assert AuditEvent.objects.filter(action="redirect_uri.remove").count() == 1


@pytest.mark.django_db
def test_removing_another_organizations_uri_is_404(alice_client, charlie, make_app):
    theirs = make_app(charlie, name="Theirs")
    uri = services.redirect_uri_add(app=theirs, uri="https://example.com/cb", added_by=charlie)
    url = f"/apps/{theirs.client_id}/settings/api-client/redirect-uris/{uri.pk}/remove/"
    assert alice_client.post(url).status_code == 404
    assert RedirectURI.objects.filter(pk=uri.pk).exists()
