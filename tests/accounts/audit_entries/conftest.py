"""Helpers and fixtures that several of tests/accounts/audit_entries's test modules share."""

import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from django.urls import reverse

from accounts.models import AuditEvent, User
from tests.conftest import PASSWORD

Action = AuditEvent.Action
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
NEW_PASSWORD = "a-brand-new-passphrase-77"


def assert_user_target(entry: AuditEvent, *, actor: User | None, target: str, organization):
    assert entry.organization == organization
    assert entry.actor == actor
    assert entry.actor_email == (actor.email if actor else "")
    assert (entry.target_type, entry.target_id, entry.target_label) == ("user", target, target)


@pytest.fixture
def browser(client):
    """A client that sends a user agent, as a browser does (the test client sends none)."""
    client.defaults["HTTP_USER_AGENT"] = AGENT
    return client


def reauthenticate(client, password: str = PASSWORD):
    return client.post(reverse("account_reauthenticate"), {"password": password})


def totp_code(secret: str) -> str:
    """The authenticator app's code now (the middle of allauth's window)."""
    counters = list(totp_auth.yield_hotp_counters_from_time())
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counters[len(counters) // 2]))


def thirty_seconds_later(monkeypatch) -> None:
    """allauth's clock moves on one period: the setup's code is not the log-in's (a used
    code is refused for the rest of its period)."""
    now = totp_auth.yield_hotp_counters_from_time
    monkeypatch.setattr(totp_auth, "yield_hotp_counters_from_time", lambda: (c + 1 for c in now()))


def activate_totp(client, capture) -> str:
    """Set up an authenticator app on the logged-in client's account (re-authenticating
    first, as allauth asks); returns the secret, as the QR code would hand it over.
    allauth announces the new method once the transaction commits: `capture` runs that."""
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    with capture(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret
