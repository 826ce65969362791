"""The email of a leaked client secret, through the real worker, broker and SMTP server.

GitHub secret scanning posts a signed report to /api/v1/secret-scanning/github; each token in
it that is a working secret of ours is revoked, and the organization's owners and admins get
one email about it, written to the outbox in the revoking transaction and sent by the worker.
GitHub may name a token twice in one report, or report it again later: the secret is revoked
once and the email goes once. The report is signed with a real P-256 key whose public half is
served, as GitHub serves its keys, by a real HTTP server in this process.

The secrets' plaintexts go into the reports and nowhere else: no assertion or failure message
here shows one (they compare booleans, hints and hashes).
"""

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, OutboundEmail, Role, User
from apps import services
from apps.models import App, ClientSecret, Ended
from tests.conftest import organization_of

from .harness import ReceivedMessage, SmtpServer, Worker, wait_until
from .test_go_live_emails import (
    assert_sent_once,
    drain,
    html_of,
    new_address,
    subject,
    text_of,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOURCE = "content"  # where in the repository GitHub found it
SIMULTANEOUS_DELIVERIES = 5


# --- GitHub's keys, served over HTTP -------------------------------------------------------------


@dataclass
class GithubKeys:
    identifier: str
    private_key: ec.EllipticCurvePrivateKey
    url: str
    fetches: list[str]  # the path of each request the keys server answered

    def sign(self, body: bytes) -> str:
        """The Github-Public-Key-Signature of `body`: base64 of the DER ECDSA signature."""
        return base64.b64encode(self.private_key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def _public_pem(private_key: ec.EllipticCurvePrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def github_keys(settings) -> Iterator[GithubKeys]:
    """A P-256 key pair of this test, its public key published (beside an older key GitHub
    no longer signs with) by an HTTP server on 127.0.0.1; the settings point at it."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    identifier = hashlib.sha256(_public_pem(private_key).encode()).hexdigest()
    retired = ec.generate_private_key(ec.SECP256R1())
    document = json.dumps(
        {
            "public_keys": [
                {
                    "key_identifier": hashlib.sha256(_public_pem(retired).encode()).hexdigest(),
                    "key": _public_pem(retired),
                    "is_current": False,
                },
                {"key_identifier": identifier, "key": _public_pem(private_key), "is_current": True},
            ]
        }
    ).encode()
    fetches: list[str] = []

    class KeysHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's hook)
            fetches.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeysHandler)
    thread = threading.Thread(target=server.serve_forever, name="github-keys", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    settings.CONSOLE_SECRET_SCANNING_KEYS_URL = f"http://{host}:{port}/meta/public_keys/secret"
    try:
        yield GithubKeys(
            identifier, private_key, settings.CONSOLE_SECRET_SCANNING_KEYS_URL, fetches
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def report_post(client: Client, keys: GithubKeys, body: bytes):
    """Post a report as GitHub does: the raw JSON body, signed, with the key's identifier."""
    return client.post(
        reverse("api:secret_scanning_github"),
        data=body,
        content_type="application/json",
        headers={
            "Github-Public-Key-Identifier": keys.identifier,
            "Github-Public-Key-Signature": keys.sign(body),
        },
    )


def report_of(*leaks: tuple[str, str]) -> bytes:
    """GitHub's report body for (token, url) pairs, in order."""
    return json.dumps(
        [
            {"token": token, "type": "tink_client_secret", "url": url, "source": SOURCE}
            for token, url in leaks
        ]
    ).encode()


def assert_all_ours(response, count: int) -> None:
    assert response.status_code == 200, f"the endpoint answered {response.status_code}"
    labels = [entry["label"] for entry in response.json()]
    assert labels == ["true_positive"] * count


# --- The organization --------------------------------------------------------------------------


@dataclass
class Leaked:
    secret: ClientSecret
    plaintext: str
    url: str


@dataclass
class Team:
    owner: User
    admin: User
    developer: User
    app: App

    @property
    def managers(self) -> list[str]:
        return sorted([self.owner.email, self.admin.email])

    @property
    def subject(self) -> str:
        return f"Console: A client secret of {self.app.name} was found in public and is revoked"

    def leakable(self, name: str) -> Leaked:
        secret, plaintext = services.client_secret_create(
            app=self.app, created_by=self.owner, name=name
        )
        url = f"https://github.com/alice-fintech/{uuid.uuid4().hex[:8]}/blob/main/.env"
        return Leaked(secret, plaintext, url)


@pytest.fixture
def team(make_user, add_member, make_app) -> Team:
    """An owner and an admin (who hear about leaks) and a developer (who doesn't), at addresses
    only this test uses, and an app of a name only this test uses."""
    owner = make_user(new_address("owner"), organization="Alice Fintech")
    organization = organization_of(owner)
    admin = add_member(organization, Role.ADMIN, email=new_address("admin"))
    developer = add_member(organization, Role.DEVELOPER, email=new_address("developer"))
    app = make_app(owner, name=f"Leaky {uuid.uuid4().hex[:8]}")
    return Team(owner, admin, developer, app)


def leak_emails(smtp: SmtpServer, team: Team) -> list[ReceivedMessage]:
    return [m for m in smtp.messages_to(team.owner.email) if subject(m) == team.subject]


def outbox_rows(team: Team) -> int:
    return OutboundEmail.objects.filter(
        to__contains=[team.owner.email], subject=team.subject
    ).count()


def assert_tells_of(received: ReceivedMessage, team: Team, leaked: Leaked) -> None:
    """The email names the secret by its hint, says where it was found and that it is revoked,
    goes to the owners and admins in one message, and holds no plaintext."""
    assert sorted(received.envelope_to) == team.managers
    text = text_of(received)
    html = html_of(received)
    assert f"Secret: {leaked.secret.hint}…" in text
    assert f"Found at: {leaked.url}" in text
    assert f"Found in: {SOURCE}" in text
    assert "Reported by: GitHub secret scanning" in text
    assert "so we revoked it: it no longer authenticates your app" in text
    assert leaked.secret.hint in html and leaked.url in html
    shows_plaintext = any(leaked.plaintext in part for part in (text, html, subject(received)))
    assert not shows_plaintext, "the leak email holds the secret itself"


def assert_revoked_once(team: Team, leaked: Leaked) -> None:
    secret = ClientSecret.objects.get(pk=leaked.secret.pk)
    assert secret.ended_reason == Ended.LEAKED
    assert secret.revoked_at is not None and secret.slot is None
    assert (secret.leak_url, secret.leak_source) == (leaked.url, SOURCE)
    audited = AuditEvent.objects.filter(
        target_type="app",
        target_id=team.app.client_id,
        action=AuditEvent.Action.CLIENT_SECRET_LEAK,
        details__secret=secret.hint,
    ).count()
    assert audited == 1, f"the leak of {secret.hint}… is audited {audited} times"


# --- The tests ---------------------------------------------------------------------------------


def test_a_token_named_twice_in_one_report_is_revoked_and_emailed_once(
    smtp, publishing: Worker, github_keys, team
):
    leaked = team.leakable("Backend")
    url = leaked.url

    response = report_post(
        Client(), github_keys, report_of((leaked.plaintext, url), (leaked.plaintext, url))
    )

    assert_all_ours(response, 2)
    received = wait_for(smtp, publishing, team.owner.email, team.subject)
    drain(smtp, publishing)
    assert leak_emails(smtp, team) == [received]
    assert smtp.messages_to(team.admin.email) == [received]
    assert smtp.messages_to(team.developer.email) == []
    assert_tells_of(received, team, leaked)
    assert_sent_once(received)
    assert outbox_rows(team) == 1
    assert_revoked_once(team, leaked)
    assert len(github_keys.fetches) == 1, "the keys document was fetched more than once"


def test_a_token_reported_again_in_a_second_report_is_emailed_once(
    smtp, publishing: Worker, github_keys, team
):
    leaked = team.leakable("Backend")
    body = report_of((leaked.plaintext, leaked.url))
    client = Client()

    assert_all_ours(report_post(client, github_keys, body), 1)
    received = wait_for(smtp, publishing, team.owner.email, team.subject)
    # GitHub reports it again (a retry, or the token found at a second place): still ours,
    # already revoked, nothing more to tell.
    again = report_of((leaked.plaintext, "https://gist.github.com/somewhere-else"))
    assert_all_ours(report_post(client, github_keys, again), 1)
    assert_all_ours(report_post(client, github_keys, body), 1)
    drain(smtp, publishing)

    assert leak_emails(smtp, team) == [received]
    assert_tells_of(received, team, leaked)  # the first report's url, kept
    assert_sent_once(received)
    assert outbox_rows(team) == 1
    assert_revoked_once(team, leaked)


def test_two_leaked_secrets_get_an_email_each_however_often_they_are_reported(
    smtp, publishing: Worker, github_keys, team
):
    backend, worker_secret = team.leakable("Backend"), team.leakable("Worker")
    untouched = team.leakable("Mobile gateway")
    client = Client()
    first = report_of(
        (backend.plaintext, backend.url),
        (worker_secret.plaintext, worker_secret.url),
        (backend.plaintext, backend.url),
    )

    assert_all_ours(report_post(client, github_keys, first), 3)
    second = report_of(
        (worker_secret.plaintext, worker_secret.url), (backend.plaintext, backend.url)
    )
    assert_all_ours(report_post(client, github_keys, second), 2)
    wait_until(
        lambda: len(leak_emails(smtp, team)) >= 2,
        timeout=20,
        what=f"two {team.subject!r} emails",
        diagnostics=publishing.diagnostics,
    )
    drain(smtp, publishing)

    received = leak_emails(smtp, team)
    assert len(received) == 2, f"{len(received)} leak emails for two leaked secrets"
    by_hint = {}
    for message in received:
        hints = [
            leaked.secret.hint
            for leaked in (backend, worker_secret)
            if f"Secret: {leaked.secret.hint}…" in text_of(message)
        ]
        assert len(hints) == 1, f"a leak email names the secrets {hints}"
        by_hint[hints[0]] = message
    assert set(by_hint) == {backend.secret.hint, worker_secret.secret.hint}
    for leaked in (backend, worker_secret):
        assert_tells_of(by_hint[leaked.secret.hint], team, leaked)
        assert_sent_once(by_hint[leaked.secret.hint])
        assert_revoked_once(team, leaked)
    assert outbox_rows(team) == 2
    assert smtp.messages_to(team.developer.email) == []
    assert ClientSecret.objects.working(timezone.now()).filter(pk=untouched.secret.pk).exists(), (
        "a secret nobody reported was revoked"
    )


def test_the_same_report_delivered_several_times_at_once_is_emailed_once(
    smtp, publishing: Worker, github_keys, team
):
    """Deliveries of one report racing each other, each a request with a database connection
    of its own (the app's row lock orders them): one revokes and emails, the others find the
    secret already revoked."""
    leaked = team.leakable("Backend")
    body = report_of((leaked.plaintext, leaked.url))
    barrier = threading.Barrier(SIMULTANEOUS_DELIVERIES, timeout=60)
    answers: list[str] = [""] * SIMULTANEOUS_DELIVERIES

    def deliver(index: int) -> None:
        try:
            client = Client()
            connection.ensure_connection()
            barrier.wait()
            response = report_post(client, github_keys, body)
            labels = [entry["label"] for entry in response.json()]
            answers[index] = f"{response.status_code} {labels}"
        except Exception as exc:  # a failure is reported by the assertion below
            answers[index] = f"error {type(exc).__name__}"
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(SIMULTANEOUS_DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert answers == ["200 ['true_positive']"] * SIMULTANEOUS_DELIVERIES
    received = wait_for(smtp, publishing, team.owner.email, team.subject)
    drain(smtp, publishing)
    assert leak_emails(smtp, team) == [received]
    assert_tells_of(received, team, leaked)
    assert_sent_once(received)
    assert outbox_rows(team) == 1
    assert_revoked_once(team, leaked)
