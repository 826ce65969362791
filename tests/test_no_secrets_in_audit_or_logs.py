"""No audit entry, log line or outbox row holds a password, a secret, a code or a token.

One journey through the real pages makes every kind of secret a user handles: passwords
(right, wrong, new, and one typed into the email field by mistake), an authenticator app's
secret and codes, client secrets (through the page and through the service) and an
invitation link's token. Every logger is at DEBUG for the length of the journey; then each
secret is looked for in every field of every audit entry (details included), in every
captured log record (message and arguments) and in every field of the outbox but the
encrypted bodies.

Two loggers keep the levels Console configures for them, because below those they print
what a page handled, by design: django.request (ERROR), whose warnings print request paths,
and an invitation link's path is its token (a used link answers 410); and django.template
(INFO), whose DEBUG records of a variable missing from a template (`{% if problem %}`) carry
the whole template context, and the context of the new-secret page holds the secret, that of
the authenticator setup page its secret. Those two levels are a test of their own below.

No assertion compares a secret itself: each computes the names of what leaked where, so a
failure never prints a secret; every log handler but caplog's is silenced for the same reason.
"""

import json
import logging
import re
import secrets

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, OutboundEmail
from apps import credentials
from apps import services as app_services
from tests.accounts.audit_entries.conftest import activate_totp, thirty_seconds_later, totp_code
from tests.conftest import PASSWORD, log_in, organization_of

pytestmark = pytest.mark.django_db

KEEPS_ITS_LEVEL = {"django.request": logging.ERROR, "django.template": logging.INFO}


class Hidden(dict):
    """Secrets by name; its repr hides the values (pytest prints fixtures in tracebacks)."""

    def __repr__(self) -> str:
        return f"<{len(self)} secrets: {', '.join(self)}, not shown>"


def all_loggers() -> list[logging.Logger]:
    return [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]


@pytest.fixture
def logs(caplog, monkeypatch):
    """Every log record of the test, every logger at DEBUG (but KEEPS_ITS_LEVEL)."""
    for logger in all_loggers():
        if logger.name not in KEEPS_ITS_LEVEL:
            caplog.set_level(logging.DEBUG, logger=logger.name if logger.parent else None)
        monkeypatch.setattr(logger, "disabled", False)
        if not logger.propagate:
            monkeypatch.setattr(logger, "propagate", True)
    for logger in all_loggers():
        for handler in logger.handlers:
            if handler is not caplog.handler:
                monkeypatch.setattr(handler, "level", logging.CRITICAL + 1)
    return caplog


def found(secret: str, text: str) -> bool:
    if re.fullmatch(r"\d{6}", secret):  # a code: only as a number of its own
        return re.search(rf"(?<!\d){secret}(?!\d)", text) is not None
    return secret in text


def leaks(hidden: Hidden, places: dict[str, str]) -> list[str]:
    """ "<secret's name> in <place>" for each secret found; never the secret."""
    return [
        f"{name} in {where}"
        for name, secret in hidden.items()
        for where, text in places.items()
        if found(secret, text)
    ]


def create_secret_on_the_page(client, app) -> str:
    url = reverse("apps:client_secret_create", args=[app.client_id])
    form = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form)[1]
    response = client.post(url, {"name": "CI", "password": PASSWORD, "form_token": token})
    assert response.status_code == 200
    return response.context["plaintext"]


def test_the_audit_log_logs_and_outbox_hold_no_secret(
    client,
    alice,
    make_app,
    logs,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    hidden = Hidden(
        password=PASSWORD,
        wrong_password=f"wrong-{secrets.token_urlsafe(12)}",
        password_in_the_email_field=f"oops-{secrets.token_urlsafe(12)}",
        new_password=f"new-{secrets.token_urlsafe(12)}",
        invitee_password=f"bob-{secrets.token_urlsafe(12)}",
    )
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"

    # Log-in: a wrong password, a password in the email field, then the right one.
    log_in(client, "alice@example.com", hidden["wrong_password"])
    log_in(client, hidden["password_in_the_email_field"], hidden["password_in_the_email_field"])
    assert log_in(client, "alice@example.com", PASSWORD).status_code == 302

    # Two-factor log-in: its secret and a code at setup, another code at the next log-in.
    hidden["totp_secret"] = activate_totp(client, django_capture_on_commit_callbacks)
    hidden["totp_setup_code"] = totp_code(hidden["totp_secret"])
    client.post(reverse("account_logout"))
    log_in(client, "alice@example.com", PASSWORD)
    thirty_seconds_later(monkeypatch)
    hidden["totp_login_code"] = totp_code(hidden["totp_secret"])
    response = client.post(reverse("mfa_authenticate"), {"code": hidden["totp_login_code"]})
    assert response.status_code == 302

    # Client secrets, through the page (password again) and through the service.
    app = make_app(alice)
    hidden["client_secret_from_the_page"] = create_secret_on_the_page(client, app)
    _, hidden["client_secret_from_the_service"] = app_services.client_secret_create(
        app=app, created_by=alice, name="Deploy"
    )

    # An invitation, sent from the Team page; the invitee signs up from the emailed link,
    # which then no longer works.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:invitation_create"), {"email": "bob@example.com", "role": "developer"}
        )
    hidden["invitation_token"] = re.search(r"/invitations/([^/\s]+)/", mailoutbox[-1].body)[1]
    link = reverse("accounts:invitation", args=[hidden["invitation_token"]])
    invitee = type(client)()
    assert invitee.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = invitee.post(
            link,
            {
                "email": "bob@example.com",
                "password1": hidden["invitee_password"],
                "password2": hidden["invitee_password"],
            },
        )
    assert signed_up.status_code == 302
    assert Invitation.objects.get().accepted_at is not None
    assert invitee.get(link).status_code == 410

    # A new password for alice.
    changed = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": hidden["new_password"],
            "password2": hidden["new_password"],
        },
    )
    assert changed.status_code == 302

    # The journey wrote what it should, so the search below searched something.
    written = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditEvent.Action.LOGIN,
        AuditEvent.Action.LOGIN_FAILED,
        AuditEvent.Action.REAUTHENTICATE,
        AuditEvent.Action.MFA_ACTIVATE,
        AuditEvent.Action.CLIENT_SECRET_CREATE,
        AuditEvent.Action.INVITATION_CREATE,
        AuditEvent.Action.INVITATION_ACCEPT,
        AuditEvent.Action.PASSWORD_CHANGE,
    } <= written
    records = logs.get_records("setup") + logs.get_records("call")
    assert len(records) > 0
    assert OutboundEmail.objects.exists()
    assert organization_of(alice).audit_events.exists()

    places = {
        f"audit entry {entry['id']} ({entry['action']})": json.dumps(entry, default=str)
        for entry in AuditEvent.objects.values()
    }
    for number, record in enumerate(records):
        message = record.getMessage()
        arguments = repr(record.args)
        failure = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        places[f"log record {number} of {record.name}"] = f"{message}\n{arguments}\n{failure}"
    for row in OutboundEmail.objects.values():
        row.pop("body_text_encrypted")
        row.pop("body_html_encrypted")
        places[f"outbox row {row['subject']!r}"] = json.dumps(row, default=str)
    for name in ("client_secret_from_the_page", "client_secret_from_the_service"):
        # Without its prefix and hint too: the hint alone is not secret and is recorded.
        hidden[f"{name}_after_its_hint"] = hidden[name][credentials.HINT_LENGTH :]

    found_leaks = leaks(hidden, places)
    assert not found_leaks, "Secrets leaked (names only):\n" + "\n".join(found_leaks)


@pytest.mark.parametrize(("name", "level"), KEEPS_ITS_LEVEL.items())
def test_the_loggers_that_would_print_tokens_and_secrets_stay_quiet(name, level):
    """django.request's warnings ("Gone: /invitations/<token>/") would print an invitation's
    token; django.template's DEBUG records a page's context, secrets included."""
    assert logging.getLogger(name).getEffectiveLevel() >= level
