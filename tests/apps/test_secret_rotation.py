"""Rolling a client secret, secrets created with an expiry, and the sweep that frees expired
secrets' slots (issue 14).

Roll makes a new secret now (password again, shown once) and gives the old one the expiry the
user picks: now, 1 hour, 24 hours, 7 days, or a date within 30 days. It needs a free slot, as
creating does; at five of five the Roll buttons are disabled with the reason.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEvent
from apps import services, tasks
from apps.forms import ClientSecretRollForm
from apps.models import MAX_ACTIVE_SECRETS, App, ClientSecret, Ended
from apps.templatetags.api_client_tags import expires_in
from tests.apps.test_client_secrets import (
    SECRET_FIELD,
    TOKEN_FIELD,
    api_client_url,
    create_url,
    fill,
    open_form,
)
from tests.conftest import PASSWORD, organization_of

pytestmark = pytest.mark.django_db


def roll_url(secret: ClientSecret) -> str:
    return f"/apps/{secret.app.client_id}/settings/api-client/secrets/{secret.pk}/roll/"


def roll(client, secret: ClientSecret, *, token: str | None = None, password=PASSWORD, **data):
    if token is None:
        page = client.get(roll_url(secret)).content.decode()
        token = TOKEN_FIELD.search(page).group(1)
    body = {"expires": "24h", "password": password, "form_token": token, **data}
    return client.post(roll_url(secret), body)


@pytest.fixture
def secret(alice, sandbox_app) -> ClientSecret:
    return services.client_secret_create(app=sandbox_app, created_by=alice, name="Backend")[0]


def active(app: App) -> list[ClientSecret]:
    return list(ClientSecret.objects.active().filter(app=app).order_by("slot"))


# --- Rolling from the API client tab --------------------------------------------------------


def test_rolling_shows_a_new_secret_once_and_gives_the_old_one_the_chosen_expiry(
    alice_client, secret
):
    before = timezone.now()
    response = roll(alice_client, secret, expires="24h")
    page = response.content.decode()
    plaintext = SECRET_FIELD.search(page).group(1)
    secret.refresh_from_db()
    new = ClientSecret.objects.get(app=secret.app, hint=plaintext[:12])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert before + timedelta(hours=24) <= secret.expires_at <= timezone.now() + timedelta(hours=24)
    assert secret.is_active and new.is_active and new.expires_at is None
    assert new.name == "Backend"  # the new secret takes the old one's name
    assert f"{secret.hint}…</code> keeps working until" in page


def test_the_old_secrets_row_says_when_it_expires(alice_client, secret):
    roll(alice_client, secret, expires="1h")
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        page = alice_client.get(api_client_url(secret.app)).content.decode()
    row = re.search(rf"<tr>(?:(?!</tr>).)*{secret.hint}(?:(?!</tr>).)*</tr>", page, re.S)[0]
    assert "Expires in 40 min" in row


@pytest.mark.parametrize(
    ("choice", "after"),
    [("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7))],
)
def test_each_expiry_choice_is_counted_from_the_roll(alice_client, secret, choice, after):
    moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        roll(alice_client, secret, expires=choice)
    secret.refresh_from_db()
    assert secret.expires_at == moment + after


def test_a_date_expires_as_that_day_begins_in_utc(alice_client, secret):
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):
        roll(alice_client, secret, expires="date", expires_on="2026-12-20")
    secret.refresh_from_db()
    assert secret.expires_at == datetime(2026, 12, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [
        ("", "Enter the date it expires."),
        ("2026-12-03", "Choose a date from tomorrow to 30 days from today."),
        ("2027-01-03", "Choose a date from tomorrow to 30 days from today."),
        ("someday", "Enter a date, like 2026-12-31."),
    ],
)
def test_a_date_outside_the_next_30_days_is_refused_and_nothing_changes(
    alice_client, secret, expires_on, message
):
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):
        response = roll(alice_client, secret, expires="date", expires_on=expires_on)
    secret.refresh_from_db()
    assert response.status_code == 200
    assert message in response.content.decode()
    assert secret.expires_at is None
    assert len(active(secret.app)) == 1


def test_rolling_now_ends_the_old_secret_at_once_and_frees_its_slot(alice_client, secret):
    response = roll(alice_client, secret, expires="now")
    secret.refresh_from_db()
    assert "stopped working now" in response.content.decode()
    assert (secret.ended_reason, secret.slot) == (Ended.EXPIRED, None)
    assert len(active(secret.app)) == 1


def test_a_wrong_password_rolls_nothing_and_keeps_the_choice(alice_client, secret):
    response = roll(alice_client, secret, expires="7d", password="not my password")
    secret.refresh_from_db()
    assert response.status_code == 200
    assert secret.expires_at is None and len(active(secret.app)) == 1
    assert re.search(r'value="7d"[^>]*checked', response.content.decode())


def test_a_roll_form_rolls_once(alice_client, secret):
    page = alice_client.get(roll_url(secret)).content.decode()
    token = TOKEN_FIELD.search(page).group(1)
    first = roll(alice_client, secret, token=token)
    second = roll(alice_client, secret, token=token)
    assert SECRET_FIELD.search(first.content.decode())
    assert second.status_code == 302 and not SECRET_FIELD.search(
        alice_client.get(second["Location"]).content.decode()
    )
    assert len(active(secret.app)) == 2


def test_a_revoked_or_expired_secret_cannot_be_rolled(alice_client, alice, secret):
    services.client_secret_revoke(secret=secret, revoked_by=alice)
    response = alice_client.get(roll_url(secret), follow=True)
    assert escape(services.NOT_ROLLABLE) in response.content.decode()
    assert len(active(secret.app)) == 0


def test_at_five_of_five_rolling_is_refused_and_the_buttons_say_why(
    alice_client, alice, sandbox_app
):
    secrets = fill(sandbox_app, alice, MAX_ACTIVE_SECRETS)
    tab = alice_client.get(api_client_url(sandbox_app)).content.decode()
    page = alice_client.get(roll_url(secrets[0])).content.decode()
    token = services.secret_form_token_issue(app=sandbox_app, user=alice)
    response = roll(alice_client, secrets[0], token=token)
    assert tab.count('disabled aria-describedby="secret-limit-reason">Roll') == MAX_ACTIVE_SECRETS
    assert "Revoke one to create or roll another." in tab
    assert services.TOO_MANY_TO_ROLL in page and 'name="password"' not in page
    assert services.TOO_MANY_TO_ROLL in response.content.decode()
    assert all(ClientSecret.objects.get(pk=s.pk).expires_at is None for s in secrets)
    assert len(active(sandbox_app)) == MAX_ACTIVE_SECRETS


def test_the_service_refuses_a_roll_at_five_of_five(alice, sandbox_app):
    secrets = fill(sandbox_app, alice, MAX_ACTIVE_SECRETS)
    token = services.secret_form_token_issue(app=sandbox_app, user=alice)
    with pytest.raises(ValidationError) as refused:
        services.client_secret_roll_from_form(
            secret=secrets[0],
            rolled_by=alice,
            form_token=token,
            old_expires_at=timezone.now() + timedelta(hours=1),
        )
    assert refused.value.code == "too_many"
    assert ClientSecret.objects.get(pk=secrets[0].pk).expires_at is None


@pytest.mark.parametrize("after", [timedelta(minutes=-2), timedelta(days=30, seconds=1)])
def test_the_service_refuses_an_expiry_in_the_past_or_beyond_30_days(alice, secret, after):
    token = services.secret_form_token_issue(app=secret.app, user=alice)
    with pytest.raises(ValidationError):
        services.client_secret_roll_from_form(
            secret=secret, rolled_by=alice, form_token=token, old_expires_at=timezone.now() + after
        )
    secret.refresh_from_db()
    assert secret.expires_at is None and len(active(secret.app)) == 1


def test_an_earlier_expiry_is_kept_when_a_later_one_is_chosen(alice, secret):
    soon = timezone.now() + timedelta(hours=1)
    services.client_secret_roll_from_form(
        secret=secret,
        rolled_by=alice,
        form_token=services.secret_form_token_issue(app=secret.app, user=alice),
        old_expires_at=soon,
    )
    services.client_secret_roll_from_form(
        secret=secret,
        rolled_by=alice,
        form_token=services.secret_form_token_issue(app=secret.app, user=alice),
        old_expires_at=timezone.now() + timedelta(days=7),
    )
    secret.refresh_from_db()
    assert secret.expires_at == soon


def test_a_roll_is_one_entry_in_the_activity_naming_both_secrets(alice_client, secret):
    app_entries = AuditEvent.objects.filter(target_type="app")
    before = app_entries.count()
    roll(alice_client, secret, expires="1h")
    entry = app_entries.latest("pk")
    new = ClientSecret.objects.exclude(pk=secret.pk).get(app=secret.app)
    activity = alice_client.get(f"/apps/{secret.app.client_id}/settings/activity/")
    assert app_entries.count() == before + 1
    assert entry.action == AuditEvent.Action.CLIENT_SECRET_ROLL
    assert (entry.details["secret"], entry.details["new_secret"]) == (secret.hint, new.hint)
    assert f"{new.hint}…</code>, the old one works until" in activity.content.decode()


def test_a_viewer_sees_no_roll_button_and_cannot_roll(client, add_member, alice, secret):
    viewer = add_member(organization_of(alice), "viewer")
    client.force_login(viewer)
    tab = client.get(api_client_url(secret.app)).content.decode()
    response = client.post(roll_url(secret), {"expires": "now", "password": PASSWORD})
    assert ">Roll<" not in tab
    assert response.status_code == 403
    assert ClientSecret.objects.get(pk=secret.pk).expires_at is None


# --- Creating with an expiry ------------------------------------------------------------------


def test_a_secret_can_be_created_with_an_expiry(alice_client, sandbox_app):
    moment = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        token = open_form(alice_client, sandbox_app)
        alice_client.post(
            create_url(sandbox_app),
            {"password": PASSWORD, "form_token": token, "expires": "7d", "name": "Demo"},
        )
    assert ClientSecret.objects.get(app=sandbox_app, name="Demo").expires_at == moment + timedelta(
        days=7
    )


def test_a_secret_created_without_a_choice_never_expires(alice_client, sandbox_app):
    token = open_form(alice_client, sandbox_app)
    alice_client.post(create_url(sandbox_app), {"password": PASSWORD, "form_token": token})
    assert ClientSecret.objects.get(app=sandbox_app).expires_at is None


def test_a_secret_cannot_be_created_already_expired(alice, sandbox_app):
    with pytest.raises(ValidationError):
        services.client_secret_create(app=sandbox_app, created_by=alice, expires_at=timezone.now())
    assert not ClientSecret.objects.filter(app=sandbox_app).exists()


def test_the_roll_form_offers_no_never():
    choices = [value for value, _ in ClientSecretRollForm().fields["expires"].choices]
    assert choices == ["now", "1h", "24h", "7d", "date"]


# --- The sweep --------------------------------------------------------------------------------


def test_the_sweep_frees_expired_slots_and_records_expired_once(alice, sandbox_app):
    moment = timezone.now() + timedelta(hours=1)
    expiring, _ = services.client_secret_create(
        app=sandbox_app, created_by=alice, expires_at=moment
    )
    lasting, _ = services.client_secret_create(app=sandbox_app, created_by=alice)
    with time_machine.travel(moment - timedelta(seconds=1), tick=False):
        early = tasks.client_secrets_expire()
    with time_machine.travel(moment + timedelta(seconds=30), tick=False):
        swept = tasks.client_secrets_expire()
        again = tasks.client_secrets_expire()
    expiring.refresh_from_db()
    lasting.refresh_from_db()
    entries = AuditEvent.objects.filter(action=AuditEvent.Action.CLIENT_SECRET_EXPIRE)
    assert (early, swept, again) == (0, 1, 0)
    assert (expiring.slot, expiring.ended_reason, expiring.revoked_at) == (
        None,
        Ended.EXPIRED,
        moment,
    )
    assert lasting.is_active
    assert [(e.details["secret"], e.who) for e in entries] == [(expiring.hint, "Console")]


def test_a_full_app_whose_sweep_has_not_run_can_create_in_an_expired_slot(alice, sandbox_app):
    moment = timezone.now() + timedelta(hours=1)
    services.client_secret_create(app=sandbox_app, created_by=alice, expires_at=moment)
    fill(sandbox_app, alice, MAX_ACTIVE_SECRETS - 1)
    with time_machine.travel(moment + timedelta(seconds=1), tick=False):
        services.client_secret_create(app=sandbox_app, created_by=alice)
    assert len(active(sandbox_app)) == MAX_ACTIVE_SECRETS
    assert ClientSecret.objects.filter(app=sandbox_app, ended_reason=Ended.EXPIRED).count() == 1


def test_an_expired_secret_not_yet_swept_is_shown_as_expired(alice_client, alice, sandbox_app):
    moment = timezone.now() + timedelta(hours=1)
    services.client_secret_create(app=sandbox_app, created_by=alice, expires_at=moment)
    with time_machine.travel(moment + timedelta(seconds=1), tick=False):
        page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    assert '<span class="badge badge--danger">Expired</span>' in page
    assert ">Roll<" not in page


def test_ended_secrets_say_why_they_ended(alice_client, alice, sandbox_app):
    revoked, _ = services.client_secret_create(app=sandbox_app, created_by=alice, name="Gone")
    services.client_secret_revoke(secret=revoked, revoked_by=alice)
    page = alice_client.get(api_client_url(sandbox_app)).content.decode()
    assert "Revoked and expired secrets (1)" in page
    assert '<span class="badge">Revoked</span>' in page


# --- How an expiry reads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "label"),
    [
        (timedelta(seconds=-1), "Expired"),
        (timedelta(0), "Expired"),
        (timedelta(seconds=20), "Expires in 1 min"),
        (timedelta(minutes=59, seconds=1), "Expires in 60 min"),
        (timedelta(hours=1), "Expires in 1 h"),
        (timedelta(hours=2, minutes=59, seconds=50), "Expires in 3 h"),
        (timedelta(hours=3, minutes=29), "Expires in 3 h"),
        (timedelta(hours=47, minutes=29), "Expires in 47 h"),
        (timedelta(hours=47, minutes=30), "Expires in 2 days"),
        (timedelta(days=6, hours=23, minutes=59), "Expires in 7 days"),
        (timedelta(days=29, hours=11), "Expires in 29 days"),
    ],
)
def test_an_expiry_reads_in_minutes_hours_then_days(left, label):
    now = datetime(2026, 12, 3, tzinfo=UTC)
    assert expires_in(now + left, now) == label


def test_no_expiry_reads_as_nothing():
    assert expires_in(None) == ""


def test_the_date_field_is_bounded_to_the_next_30_days():
    with time_machine.travel(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), tick=False):
        attrs = ClientSecretRollForm().fields["expires_on"].widget.attrs
    assert (attrs["min"], attrs["max"]) == (str(date(2026, 12, 4)), str(date(2027, 1, 2)))
