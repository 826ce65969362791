"""A client secret is shown once, in the response that created it, and nowhere else, ever.

The secrets here are created through the real views, as a user does (GET the form, POST the
password with the form's one-time token), with every logger at DEBUG and SQL logging on. Then
the plaintext is looked for everywhere it could have gone: the database (a dump and a raw scan
of every table), the logs and the SQL with its parameters, the admin, every page of the site,
the sessions and the outbound email.

No assertion here compares the plaintext itself: each computes a boolean first, so a failure
never prints the secret. For the same reason pytest's own report of the logs and every other
log handler are silenced for the length of a test (caplog still sees every record).
"""

import hashlib
import io
import logging
import re

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from apps import credentials
from apps.models import ClientSecret
from tests.conftest import PASSWORD, give_two_factor
from tests.urlwalk import endpoints

pytestmark = pytest.mark.django_db

# A leak is any run of this many characters from the part of a secret after its hint: it
# catches the whole secret, the secret without its prefix and any cut-down copy of it.
WINDOW = 16


class Secrets:
    """The plaintexts of the secrets a test made. Its repr hides them: pytest prints the
    arguments of every function in a failure's traceback, fixtures included."""

    def __init__(self, plaintexts: list[str]) -> None:
        self._plaintexts = plaintexts

    def __repr__(self) -> str:
        return f"<{len(self._plaintexts)} client secrets, not shown>"

    def __iter__(self):
        return iter(self._plaintexts)

    def leak_in(self, text: str) -> bool:
        """Any WINDOW characters of any secret's part after its hint are in `text`."""
        for plaintext in self._plaintexts:
            rest = plaintext[credentials.HINT_LENGTH :]
            if any(rest[i : i + WINDOW] in text for i in range(len(rest) - WINDOW + 1)):
                return True
        return False


class Capture:
    """Every log record and SQL statement of a test. Its repr hides them (see Secrets)."""

    def __init__(self, caplog, monkeypatch, queries: CaptureQueriesContext) -> None:
        self.caplog, self.monkeypatch, self.queries = caplog, monkeypatch, queries
        self.executed: list = []  # (sql, params) as sent to the database

    def __repr__(self) -> str:
        return "<captured logs and SQL, not shown>"

    def silence_other_handlers(self) -> None:
        """Only caplog keeps the records. pytest's report handler (a new one for each test
        phase, so this runs in the phase that makes the secrets) and the console's stderr
        handler would print them with a failure, secrets included."""
        for logger in all_loggers():
            for handler in logger.handlers:
                if handler is not self.caplog.handler:
                    self.monkeypatch.setattr(handler, "level", logging.CRITICAL + 1)

    def records(self) -> list[logging.LogRecord]:
        return [r for when in ("setup", "call") for r in self.caplog.get_records(when)]

    def texts(self) -> dict[str, str]:
        """Where each kind of captured text can be read, keyed by what it is."""
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        texts = {}
        for record in self.records():
            where = f"the records of the {record.name} logger"
            full = f"{formatter.format(record)}\n{record.args!r}\n{vars(record)!r}"
            texts[where] = f"{texts.get(where, '')}\n{full}"
        texts["the captured SQL"] = "\n".join(q["sql"] for q in self.queries.captured_queries)
        texts["the SQL sent with its parameters"] = "\n".join(
            f"{sql}\n{params!r}" for sql, params in self.executed
        )
        return texts


def all_loggers() -> list[logging.Logger]:
    return [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]


@pytest.fixture
def capture(caplog, monkeypatch):
    """Every logger at DEBUG into caplog, SQL logged with its parameters, and every SQL
    statement recorded as sent, for the length of the test."""
    for logger in all_loggers():
        caplog.set_level(logging.DEBUG, logger=logger.name if logger.parent else None)
        monkeypatch.setattr(logger, "disabled", False)
        if not logger.propagate:
            monkeypatch.setattr(logger, "propagate", True)

    with CaptureQueriesContext(connection) as queries:
        captured = Capture(caplog, monkeypatch, queries)
        captured.silence_other_handlers()

        def record(execute, sql, params, many, context):
            captured.executed.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            sql_logged = connection.force_debug_cursor
            assert sql_logged, "SQL logging is off"
            yield captured


def created_secret(response) -> str:
    """The value of the read-only field labelled "Client secret" ("" when there is none)."""
    body = response.content.decode()
    label = re.search(r'<label for="([^"]+)">Client secret</label>', body)
    if not label:
        return ""
    # A read-only text area, so that the whole secret shows at any width.
    textarea = rf'<textarea[^>]*\bid="{re.escape(label[1])}"[^>]*\breadonly[^>]*>([^<]*)<'
    field = re.search(textarea, body)
    return field[1] if field else ""


def page_text(response) -> str:
    """Headers, cookies and body of a response."""
    cookies = "\n".join(str(cookie) for cookie in response.cookies.values())
    return f"{response.headers}\n{cookies}\n{response.getvalue().decode(errors='replace')}"


def create_through_the_views(client, app, name: str = "") -> Secrets:
    url = reverse("apps:client_secret_create", args=[app.client_id])
    form = client.get(url)
    assert form.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', form.content.decode())
    assert token, "the form has no one-time token"
    response = client.post(url, {"name": name, "password": PASSWORD, "form_token": token[1]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    made = Secrets([created_secret(response)])
    well_formed = all(credentials.is_well_formed(plaintext) for plaintext in made)
    assert well_formed, "no well-formed secret in the field labelled Client secret"
    around = "\n".join([str(response.headers), *map(str, response.cookies.values())])
    in_headers = made.leak_in(around)
    assert not in_headers, "the creating response carries the secret in a header or a cookie"
    return made


@pytest.fixture
def make_secrets(capture, alice_client, sandbox_app):
    """Two secrets created through the views, the first one then revoked through them."""

    def make() -> Secrets:
        capture.silence_other_handlers()
        first = create_through_the_views(alice_client, sandbox_app, name="CI server")
        second = create_through_the_views(alice_client, sandbox_app)
        revoked = ClientSecret.objects.get(app=sandbox_app, name="CI server")
        url = reverse("apps:client_secret_revoke", args=[sandbox_app.client_id, revoked.pk])
        assert alice_client.get(url).status_code == 200
        assert alice_client.post(url).status_code == 302
        revoked.refresh_from_db()
        assert not revoked.is_active
        return Secrets([*first, *second])

    return make


def raw_rows() -> dict[str, str]:
    """Every row of every table, as text: the models' tables and whatever else is there."""
    tables = {model._meta.db_table for model in django_apps.get_models(include_auto_created=True)}
    tables |= set(connection.introspection.table_names())

    def text(value) -> str:
        if isinstance(value, memoryview | bytes):
            return bytes(value).decode("latin-1")
        return str(value)

    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = "\n".join("\t".join(map(text, row)) for row in cursor.fetchall())
    return rows


def admin_pages(client) -> dict[str, object]:
    """Every admin page a superuser can open about the objects there are: the index, each
    app's index, each model's changelist and each object's change and history pages."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse("admin:app_list", args=[opts.app_label]))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            for page in ("change", "history"):
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}", args=[pk]))
    return {url: client.get(url) for url in dict.fromkeys(urls)}


@pytest.fixture
def staff_client(db) -> Client:
    staff = User.objects.create_superuser(email="staff@example.com", password=PASSWORD)
    give_two_factor(staff)  # staff need it for the admin
    client = Client()
    client.force_login(staff)
    return client


def test_the_stored_hash_is_the_keyed_hmac_and_the_hint_a_prefix(make_secrets, sandbox_app):
    made = make_secrets()
    for plaintext in made:
        secret = ClientSecret.objects.get(secret_hash=credentials.hash_secret(plaintext))
        hint_is_prefix = plaintext.startswith(secret.hint)
        hint_is_short = len(secret.hint) == credentials.HINT_LENGTH < len(plaintext) // 2
        unkeyed = secret.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert secret.app == sandbox_app
        assert re.fullmatch(r"[0-9a-f]{64}", secret.secret_hash)
        assert hint_is_prefix, "the hint is not the start of the secret"
        assert hint_is_short, "the hint gives away too much of the secret"
        assert not unkeyed, "the secret is stored as a plain SHA-256, not an HMAC"


def test_the_database_never_holds_a_secret(make_secrets):
    made = make_secrets()
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    rows = raw_rows()
    hashes = list(ClientSecret.objects.values_list("secret_hash", flat=True))

    # The scan reads what it should: the secrets' rows and their hashes are in it.
    assert len(hashes) == 2
    assert "apps_clientsecret" in rows and "django_session" in rows
    assert all(secret_hash in rows["apps_clientsecret"] for secret_hash in hashes)
    assert all(secret_hash in dump.getvalue() for secret_hash in hashes)

    in_dump = made.leak_in(dump.getvalue())
    assert not in_dump, "a secret appears in the dumpdata output"
    in_tables = sorted(table for table, text in rows.items() if made.leak_in(text))
    assert not in_tables, f"a secret appears in the tables {in_tables}"


def test_logs_and_sql_never_hold_a_secret(make_secrets, capture, alice_client, sandbox_app):
    made = make_secrets()
    for endpoint in endpoints({"client_id": sandbox_app.client_id}):
        alice_client.get(endpoint.url, follow=True)
    texts = capture.texts()

    # What was captured is what we meant to capture.
    assert any(
        record.name == "django.db.backends" and record.levelno == logging.DEBUG
        for record in capture.records()
    ), "no SQL was logged"
    assert "apps_clientsecret" in texts["the captured SQL"]
    hashes = list(ClientSecret.objects.values_list("secret_hash", flat=True))
    assert all(h in texts["the SQL sent with its parameters"] for h in hashes)

    leaked_into = sorted(where for where, text in texts.items() if made.leak_in(text))
    assert not leaked_into, f"a secret appears in {leaked_into}"


def test_the_admin_never_shows_a_secret_or_its_hash(make_secrets, staff_client, sandbox_app):
    made = make_secrets()
    pages = admin_pages(staff_client)
    hashes = list(ClientSecret.objects.values_list("secret_hash", flat=True))
    secret_pk = ClientSecret.objects.filter(app=sandbox_app).first().pk
    must_see = {
        reverse("admin:index"),
        reverse("admin:apps_app_changelist"),
        reverse("admin:apps_app_change", args=[sandbox_app.pk]),
        reverse("admin:apps_clientsecret_changelist"),
        reverse("admin:apps_clientsecret_change", args=[secret_pk]),
        reverse("admin:accounts_auditevent_changelist"),
    }
    event_changes = [url for url in pages if re.search(r"/auditevent/\d+/change/$", url)]

    assert must_see <= set(pages)
    assert event_changes, "no audit event change page was opened"
    assert all(pages[url].status_code == 200 for url in must_see | set(event_changes))
    showing_secret = sorted(url for url, r in pages.items() if made.leak_in(page_text(r)))
    assert not showing_secret, f"a secret appears on the admin pages {showing_secret}"
    showing_hash = sorted(url for url, r in pages.items() if any(h in page_text(r) for h in hashes))
    assert not showing_hash, f"a secret_hash appears on the admin pages {showing_hash}"


def test_no_later_page_shows_a_secret(make_secrets, alice_client, sandbox_app):
    made = make_secrets()
    secret = ClientSecret.objects.active().get(app=sandbox_app)
    revoked = ClientSecret.objects.revoked().get(app=sandbox_app)
    uri = sandbox_app.redirect_uris.create(uri="https://example.com/cb")
    showing = []
    for secret_id in (secret.pk, revoked.pk):
        values = {"client_id": sandbox_app.client_id, "secret_id": secret_id, "uri_id": uri.pk}
        for endpoint in endpoints(values):
            response = alice_client.get(endpoint.url, follow=True)
            hops = [page_text(response)] + [str(hop) for hop in response.redirect_chain]
            if made.leak_in("\n".join(hops)):
                showing.append(endpoint.url)
    api_client = alice_client.get(reverse("apps:api_client", args=[sandbox_app.client_id]))

    # Alice was still logged in at the end of the walk and saw the secrets' hints.
    assert api_client.status_code == 200
    assert secret.hint in api_client.content.decode()
    assert not showing, f"a secret appears on the pages {showing}"


def test_a_reload_of_the_creating_form_never_shows_the_secret_again(
    make_secrets, alice_client, sandbox_app
):
    made = make_secrets()
    url = reverse("apps:client_secret_create", args=[sandbox_app.client_id])
    replay = alice_client.post(url, {"password": PASSWORD, "form_token": "used-or-invented"})
    again = alice_client.get(url, follow=True)
    shown = [made.leak_in(page_text(response)) for response in (replay, again)]
    assert shown == [False, False], "a secret is shown again"


def test_no_session_holds_a_secret(make_secrets, staff_client):
    made = make_secrets()
    staff_client.get(reverse("admin:index"))
    sessions = list(Session.objects.all())
    decoded = "\n".join(f"{s.session_data}\n{s.get_decoded()!r}" for s in sessions)

    assert len(sessions) >= 2, "alice's and staff's sessions should be stored"
    in_sessions = made.leak_in(decoded)
    assert not in_sessions, "a secret appears in a session"


def test_no_email_holds_a_secret(make_secrets):
    made = make_secrets()
    texts = []
    for message in mail.outbox:
        texts.append(message.message().as_string())
        texts.extend(str(content) for content, _ in getattr(message, "alternatives", []))
    in_mail = made.leak_in("\n".join(texts))
    assert not in_mail, "a secret appears in an email"
