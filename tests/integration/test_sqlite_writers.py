"""On SQLite, the embedded default, concurrent writers wait for each other instead of failing.

A real gunicorn (two gthread workers, sixteen threads each) on a SQLite file, as `make run`
users and small deployments have it. Thirty sessions of one owner each open the new-secret
form, then all thirty send it at once: every request gets an answer that is not a 5xx
("database is locked" was one), five secrets are created and the other 25 are told why not.

Each POST comes from a session of its own with a form of its own, and takes whatever hidden
fields that form has (the one-time form token), so the test holds whatever the token is made
of.
"""

import html
import json
import re
import sqlite3
import threading
from collections import Counter
from html.parser import HTMLParser

import pytest
import requests
from django.conf import settings

from apps.models import MAX_ACTIVE_SECRETS
from apps.services import TOO_MANY_SECRETS
from tests.conftest import PASSWORD

from .harness import WebServer, run_python

pytestmark = pytest.mark.integration

REQUESTS = 30
CREATED = 'id="new-secret"'  # the heading of the page that shows a new secret once

# Runs in a subprocess on the server's settings and database: an owner with an app, and
# REQUESTS logged-in sessions of hers, written to the file named by the first argument (they
# are credentials: never printed).
WORLD = """
import json, os, sys
import django
django.setup()
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from accounts import services
from accounts.models import Membership, User
from apps import services as app_services
from apps.models import App

user = User.objects.create_user(email="alice@example.com", password=os.environ["WORLD_PASSWORD"])
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
organization = services.organization_create(name="Alice Fintech", owner=user)
app = app_services.app_create(
    organization=organization, name="Race", display_name="Alice Fintech",
    app_type=App.Type.SANDBOX, created_by=user,
)
# A user keeps ten open secret forms per app (apps.models.FORM_TOKENS_KEPT): the thirty forms
# are shown to three members, ten each.
members = [user]
for email, role in (("bob@example.com", "admin"), ("carol@example.com", "developer")):
    member = User.objects.create_user(email=email, password=os.environ["WORLD_PASSWORD"])
    EmailAddress.objects.create(user=member, email=email, primary=True, verified=True)
    Membership.objects.create(user=member, organization=organization, role=role)
    members.append(member)
sessions = []
for n in range(int(sys.argv[2])):
    client = Client()
    client.force_login(members[n % len(members)])
    sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
with open(sys.argv[1], "w") as out:
    json.dump({"client_id": app.client_id, "sessions": sessions}, out)
"""


class HiddenFields(HTMLParser):
    """The hidden inputs of the page's form with a password field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._current = {}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            if a.get("type") == "hidden" or a.get("name") == "password":
                self._current[a.get("name", "")] = a.get("value", "")

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self._current = None


def logged_errors(server: WebServer) -> dict[str, int]:
    """The last line of each traceback in the server's log ("OperationalError: database is
    locked"), with how often it came."""
    text = server.logfile.read_text(errors="replace") if server.logfile.exists() else ""
    lines = re.findall(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception): .{0,80})", text, re.MULTILINE)
    return dict(Counter(lines))


def secret_form(server: WebServer, path: str, session: str) -> tuple[dict[str, str], str]:
    """The new-secret form's hidden fields and the CSRF cookie the page set."""
    response = requests.get(
        server.url + path,
        headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 200, f"the new-secret form answered {response.status_code}"
    parser = HiddenFields()
    parser.feed(response.text)
    form = next(fields for fields in parser.forms if "password" in fields)
    del form["password"]
    return form, response.cookies[settings.CSRF_COOKIE_NAME]


@pytest.fixture
def sqlite_server(tmp_path):
    database = tmp_path / "console.sqlite3"
    server = WebServer(
        f"sqlite:///{database}",
        redis_url="",
        workdir=tmp_path,
        workers=2,
        threads=16,
        settings_module="tests.settings",
    )
    env = server.environment()
    migrated = run_python(["manage.py", "migrate", "--noinput"], env=env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    made = run_python(
        ["-c", WORLD, str(tmp_path / "world.json"), str(REQUESTS)],
        env={**env, "WORLD_PASSWORD": PASSWORD},
    )
    assert made.returncode == 0, made.stderr[-2000:]
    world = json.loads((tmp_path / "world.json").read_text())
    try:
        server.start()
        yield server, world, database
    finally:
        server.stop()


def test_thirty_concurrent_secret_creations_on_sqlite_wait_and_keep_the_limit(sqlite_server):
    server, world, database = sqlite_server
    path = f"/apps/{world['client_id']}/settings/api-client/secrets/new/"
    forms = [secret_form(server, path, session) for session in world["sessions"]]

    barrier = threading.Barrier(REQUESTS, timeout=60)
    outcomes: list[str | None] = [None] * REQUESTS

    def send(n: int) -> None:
        fields, csrf = forms[n]
        session = world["sessions"][n]
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
        barrier.wait()
        try:
            response = requests.post(
                server.url + path,
                data={**fields, "name": f"Racer {n}", "password": PASSWORD},
                headers={"Cookie": cookie},
                allow_redirects=False,
                timeout=60,
            )
        except requests.RequestException as exc:
            outcomes[n] = f"no answer ({type(exc).__name__})"
            return
        if response.status_code >= 500:
            outcomes[n] = f"{response.status_code}"
        elif response.status_code == 200 and CREATED in response.text:
            outcomes[n] = "created"
        elif html.escape(TOO_MANY_SECRETS) in response.text:
            outcomes[n] = "refused: too many"
        else:
            outcomes[n] = f"{response.status_code} without the limit's message"

    threads = [threading.Thread(target=send, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    counts = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
    expected = {"created": MAX_ACTIVE_SECRETS, "refused: too many": REQUESTS - MAX_ACTIVE_SECRETS}
    assert counts == expected, f"{counts}; the server logged {logged_errors(server)}"
    db = sqlite3.connect(database)
    try:
        query = "SELECT count(*) FROM apps_clientsecret WHERE revoked_at IS NULL"
        (active,) = db.execute(query).fetchone()
    finally:
        db.close()
    assert active == MAX_ACTIVE_SECRETS
