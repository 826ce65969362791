"""Secrets nobody used for 90 days: flagged on the API client tab, and listed in a weekly email
to owners and admins that an owner can turn off (issue 14)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent, Organization, Role
from apps import services, tasks
from apps.models import ClientSecret
from tests.apps.test_client_secrets import api_client_url
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db

SUBJECT = "Console: 1 client secret unused for 90 days"


def secret_aged(app, user, *, days: int, used_days_ago: int | None = None, name: str = ""):
    """A secret created `days` ago, last used `used_days_ago` days ago (None: never)."""
    with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
        secret, _ = services.client_secret_create(app=app, created_by=user, name=name)
    if used_days_ago is not None:
        secret.last_used_at = timezone.now() - timedelta(days=used_days_ago)
        secret.save(update_fields=["last_used_at"])
    return secret


def test_the_tab_flags_a_secret_unused_for_90_days(alice_client, alice, sandbox_app):
    never = secret_aged(sandbox_app, alice, days=91, name="Never used")
    stale = secret_aged(sandbox_app, alice, days=200, used_days_ago=91, name="Stale")
    recent = secret_aged(sandbox_app, alice, days=200, used_days_ago=89, name="Recent")
    young = secret_aged(sandbox_app, alice, days=89, name="Young")
    page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    rows = {
        s.name: page.split(f"<code>{s.hint}…</code>")[1].split("</td>")[0]
        for s in (never, stale, recent, young)
    }
    flagged = {name for name, cell in rows.items() if "Unused for 90+ days" in cell}
    assert flagged == {"Never used", "Stale"}
    assert "2 secrets have not been used for 90 days." in page


def test_the_weekly_email_lists_the_unused_secrets_to_owners_and_admins(
    alice, sandbox_app, add_member, run
):
    organization = organization_of(alice)
    admin = add_member(organization, Role.ADMIN)
    add_member(organization, Role.DEVELOPER)
    unused = secret_aged(sandbox_app, alice, days=120, name="Old CI")
    secret_aged(sandbox_app, alice, days=120, used_days_ago=1, name="Busy")
    sent = run(tasks.unused_secrets_notify)
    assert sent == 1
    [email] = mail.outbox
    assert email.subject == SUBJECT
    assert sorted(email.to) == sorted([alice.email, admin.email])
    assert f"{unused.hint}… (Old CI), never used" in email.body
    assert "Busy" not in email.body
    assert api_client_url(sandbox_app) in email.body


def test_the_weekly_email_goes_once_a_week(alice, sandbox_app, run):
    secret_aged(sandbox_app, alice, days=120)
    first = run(tasks.unused_secrets_notify)
    again = run(tasks.unused_secrets_notify)  # a redelivered task, or a second beat
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=False):
        next_week = run(tasks.unused_secrets_notify)
    assert (first, again, next_week) == (1, 0, 1)
    assert len(mail.outbox) == 2


def test_no_email_without_unused_secrets_or_when_turned_off(alice, sandbox_app, run):
    secret_aged(sandbox_app, alice, days=30)
    assert run(tasks.unused_secrets_notify) == 0
    secret_aged(sandbox_app, alice, days=120)
    Organization.objects.filter(pk=organization_of(alice).pk).update(unused_secret_emails=False)
    assert run(tasks.unused_secrets_notify) == 0
    assert mail.outbox == []


def test_an_expired_or_revoked_secret_is_not_listed(alice, sandbox_app, run):
    revoked = secret_aged(sandbox_app, alice, days=120)
    services.client_secret_revoke(secret=revoked, revoked_by=alice)
    ClientSecret.objects.create(
        app=sandbox_app,
        secret_hash="0" * 64,
        hint="tink_cs_ExPd",
        slot=5,
        expires_at=timezone.now() - timedelta(hours=1),
    )
    ClientSecret.objects.filter(hint="tink_cs_ExPd").update(
        created_at=timezone.now() - timedelta(days=120)
    )
    assert run(tasks.unused_secrets_notify) == 0


def test_an_owner_turns_the_email_off_and_on_and_it_is_audited(alice_client, alice):
    url = "/team/unused-secrets-email/"
    off = alice_client.post(url, {})
    organization = Organization.objects.get(pk=organization_of(alice).pk)
    on = alice_client.post(url, {"enabled": "on"}, follow=True)
    entries = AuditEvent.objects.filter(action=AuditEvent.Action.UNUSED_SECRET_EMAILS)
    assert off.status_code == 302 and organization.unused_secret_emails is False
    assert Organization.objects.get(pk=organization.pk).unused_secret_emails is True
    assert "Owners and admins will get the weekly email" in on.content.decode()
    assert [e.details["enabled"] for e in entries.order_by("pk")] == [False, True]


def test_an_admin_cannot_turn_the_email_off(client, alice, add_member):
    organization = organization_of(alice)
    client.force_login(add_member(organization, Role.ADMIN))
    response = client.post("/team/unused-secrets-email/", {})
    assert response.status_code == 403
    assert Organization.objects.get(pk=organization.pk).unused_secret_emails is True


def test_the_organization_page_shows_the_setting_checked(alice_client):
    page = alice_client.get("/team/organization/").content.decode()
    assert 'id="unused-secrets-heading"' in page
    assert 'name="enabled" id="unused-secrets-enabled" checked' in page
