"""The app's Activity: created, renamed, secret created or revoked, redirect URI added or
removed; who, when, from which IP. Nothing secret is recorded."""

import re

import pytest

from accounts.models import AuditEvent
from apps.models import App, ClientSecret, RedirectURI
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BROWSER = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Activity test)"}


def test_every_change_through_the_pages_writes_one_entry(alice_client, alice):
    client = alice_client
    client.post(
        "/apps/new/", {"name": "Web", "display_name": "Acme", "app_type": "sandbox"}, **BROWSER
    )
    app = App.objects.get()
    base = f"/apps/{app.client_id}/settings/"
    client.post(base, {"name": "Web shop"}, **BROWSER)
    page = client.get(f"{base}api-client/secrets/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post(
        f"{base}api-client/secrets/new/",
        {"password": PASSWORD, "name": "CI", "form_token": token},
        **BROWSER,
    )
    secret = ClientSecret.objects.get()
    client.post(f"{base}api-client/secrets/{secret.pk}/revoke/", **BROWSER)
    client.post(f"{base}api-client/redirect-uris/", {"uri": "https://example.com/cb"}, **BROWSER)
    uri = RedirectURI.objects.get()
    client.post(f"{base}api-client/redirect-uris/{uri.pk}/remove/", **BROWSER)

    events = list(AuditEvent.objects.filter(target_type="app").order_by("pk"))
    assert [event.action for event in events] == [
        "app.create",
        "app.rename",
        "client_secret.create",
        "client_secret.revoke",
        "redirect_uri.add",
        "redirect_uri.remove",
    ]
    for event in events:
        assert event.actor == alice and event.actor_email == "alice@example.com"
        assert event.organization == app.organization
        assert (event.target_type, event.target_id) == ("app", app.client_id)
        assert event.ip == "203.0.113.7"
        assert event.user_agent == "Mozilla/5.0 (Activity test)"
    assert events[1].details == {"old_name": "Web", "new_name": "Web shop"}
    assert events[2].details == {"secret": secret.hint, "name": "CI"}
    assert events[4].details == {"uri": "https://example.com/cb"}

    page = client.get(f"{base}activity/").content.decode()
    for text in (
        "App created",
        "App renamed: Web → Web shop",
        f"Client secret created: <code>{secret.hint}…</code> (CI)",
        f"Client secret revoked: <code>{secret.hint}…</code> (CI)",
        "Redirect URI added: <code>https://example.com/cb</code>",
        "Redirect URI removed",
        "203.0.113.7",
        "alice@example.com",
    ):
        assert text in page


def test_refused_changes_write_nothing(alice_client, sandbox_app):
    app_events = AuditEvent.objects.filter(target_type="app")  # a wrong password is audited
    before = app_events.count()
    base = f"/apps/{sandbox_app.client_id}/settings/"
    alice_client.post(base, {"name": ""})
    alice_client.post(f"{base}api-client/secrets/new/", {"password": "wrong"})
    alice_client.post(f"{base}api-client/redirect-uris/", {"uri": "ftp:nothing"})
    assert app_events.count() == before


def test_the_activity_of_one_app_is_not_shown_on_another(alice_client, alice, make_app):
    make_app(alice, name="First")
    second = make_app(alice, name="Second")
    page = alice_client.get(f"/apps/{second.client_id}/settings/activity/").content.decode()
    assert "App created: Second" in page
    assert "App created: First" not in page


def test_activity_pages_hold_fifty_entries(alice_client, alice, sandbox_app):
    for n in range(60):
        AuditEvent.objects.create(
            organization=sandbox_app.organization,
            actor=alice,
            actor_email=alice.email,
            action="app.rename",
            target_type="app",
            target_id=sandbox_app.client_id,
            details={"old_name": f"n{n}", "new_name": f"n{n + 1}"},
        )
    url = f"/apps/{sandbox_app.client_id}/settings/activity/"
    first = alice_client.get(url).content.decode()
    assert first.count("App renamed") == 50
    assert "Page 1 of 2" in first
    second = alice_client.get(url + "?page=2").content.decode()
    assert second.count("App renamed") == 10 and "App created" in second
    assert alice_client.get(url + "?page=abc").status_code == 200
