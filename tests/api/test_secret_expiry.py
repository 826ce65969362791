"""A client secret's expiry is exact: the token endpoint's one query refuses it from the first
request after `expires_at`, and its tokens stop being honoured at the same second (issue 14).

The clock is moved with time-machine (both time.time and timezone.now, which the endpoint and
the introspection check read); no sweep runs in these tests, so what they show needs none.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps import services
from apps.models import ClientSecret
from tests.api.conftest import INTROSPECT_PATH, TOKEN_PATH, Credentials, Hidden

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def post(client, path: str, data: dict):
    return client.post(path, data=urlencode(data), content_type=FORM, CONTENT_TYPE=FORM)


def ask_token(client, credentials: Credentials):
    return post(
        client,
        TOKEN_PATH,
        {
            "client_id": credentials.client_id,
            "client_secret": credentials.secret,
            "grant_type": "client_credentials",
        },
    )


@pytest.fixture
def expiring(alice, sandbox_app) -> tuple[Credentials, ClientSecret]:
    """A secret created to expire in an hour."""
    secret, plaintext = services.client_secret_create(
        app=sandbox_app, created_by=alice, expires_at=timezone.now() + timedelta(hours=1)
    )
    return Credentials(sandbox_app, plaintext), secret


def test_the_secret_works_one_second_before_its_expiry_and_is_refused_one_second_after(
    client, expiring
):
    credentials, secret = expiring
    with time_machine.travel(secret.expires_at - timedelta(seconds=1), tick=False):
        before = ask_token(client, credentials)
    with time_machine.travel(secret.expires_at + timedelta(seconds=1), tick=False):
        after = ask_token(client, credentials)
    assert before.status_code == 200
    assert (after.status_code, after.json()["error"]) == (401, "invalid_client")


def test_at_the_expiry_itself_the_secret_no_longer_works(client, expiring):
    credentials, secret = expiring
    with time_machine.travel(secret.expires_at, tick=False):
        assert ask_token(client, credentials).status_code == 401


def test_the_expiry_rides_on_the_one_token_query(client, expiring):
    credentials, _ = expiring
    with CaptureQueriesContext(connection) as queries:
        assert ask_token(client, credentials).status_code == 200
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "apps_clientsecret" in q["sql"]
    ]
    assert len(reads) == 1 and "expires_at" in reads[0]


def test_an_expired_secret_is_refused_before_any_sweep_frees_its_slot(client, expiring):
    credentials, secret = expiring
    with time_machine.travel(secret.expires_at + timedelta(minutes=5), tick=False):
        assert ask_token(client, credentials).status_code == 401
    secret.refresh_from_db()
    assert secret.slot is not None and secret.revoked_at is None  # nothing swept it


def test_a_token_is_no_longer_honoured_once_its_secret_expires(
    client, expiring, make_app, alice, make_credentials
):
    credentials, secret = expiring
    caller = make_credentials(make_app(alice, name="Resource server"))
    with time_machine.travel(secret.expires_at - timedelta(minutes=10), tick=False):
        token = Hidden(ask_token(client, credentials).json()["access_token"])

    def active_at(moment) -> bool:
        with time_machine.travel(moment, tick=False):
            response = post(
                client,
                INTROSPECT_PATH,
                {"client_id": caller.client_id, "client_secret": caller.secret, "token": token},
            )
        return response.json()["active"]

    # The first answer is cached (CONSOLE_TOKEN_SECRET_CACHE_SECONDS): the expiry in it still
    # stops the token at the second.
    assert active_at(secret.expires_at - timedelta(seconds=1)) is True
    assert active_at(secret.expires_at + timedelta(seconds=1)) is False


def test_a_rolled_secret_keeps_working_until_the_expiry_chosen(client, alice, sandbox_app, run):
    old, old_plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)
    token = services.secret_form_token_issue(app=sandbox_app, user=alice)
    moment = timezone.now() + timedelta(hours=24)
    new, new_plaintext, rolled = run(
        services.client_secret_roll_from_form,
        secret=old,
        rolled_by=alice,
        form_token=token,
        old_expires_at=moment,
    )
    old_credentials = Credentials(sandbox_app, old_plaintext)
    new_credentials = Credentials(sandbox_app, new_plaintext)
    with time_machine.travel(moment - timedelta(seconds=1), tick=False):
        both = [ask_token(client, c).status_code for c in (old_credentials, new_credentials)]
    with time_machine.travel(moment + timedelta(seconds=1), tick=False):
        after = [ask_token(client, c).status_code for c in (old_credentials, new_credentials)]
    assert rolled.expires_at == moment
    assert both == [200, 200]
    assert after == [401, 200]
