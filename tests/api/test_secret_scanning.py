"""POST /api/v1/secret-scanning/github: GitHub secret scanning's partner endpoint.

The test stands in for GitHub with real P-256 key pairs and a real HTTP server on 127.0.0.1
that publishes the public keys document, as api.github.com/meta/public_keys/secret_scanning
does; CONSOLE_SECRET_SCANNING_KEYS_URL points at it. Reports are signed as GitHub signs them
(ECDSA P-256 / SHA-256 over the raw body, DER, base64). The staff's admin page and the
report_leaked_secret command take the same road and are tested here too.

Secrets are wrapped in Hidden (their repr is <hidden>), and what the tests look for in pages,
emails and logs is computed first and asserted as a name, so a failure never shows one.
"""

import base64
import contextlib
import hashlib
import io
import json
import logging
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.core import mail
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, OutboundEmail, Role, User
from api import secret_scanning, views
from apps import credentials, services
from apps.models import ClientSecret, Ended
from tests.api.conftest import INTROSPECT_PATH, TOKEN_PATH, Hidden
from tests.audit import last_id, only_entry, written_since
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

PATH = "/api/v1/secret-scanning/github"
KEYS_PATH = "/meta/public_keys/secret_scanning"
FORM = "application/x-www-form-urlencoded"
TOKEN_TYPE = "tink_client_secret"
LEAK_URL = "https://github.com/octo-org/payments/blob/4f2a9c1/config/.env"
GITHUB = "GitHub secret scanning"
MB = 1024 * 1024
# GitHub's key identifiers are hex SHA-256s of the key.
CURRENT = hashlib.sha256(b"current").hexdigest()
OLD = hashlib.sha256(b"old").hexdigest()
NEXT = hashlib.sha256(b"next").hexdigest()
NOT_EC = hashlib.sha256(b"ed25519").hexdigest()
BROKEN = hashlib.sha256(b"broken").hexdigest()


# --- GitHub, as the endpoint sees it -------------------------------------------------------------


def sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    """What GitHub puts in Github-Public-Key-Signature."""
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def pem_of(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class KeysServer:
    """GitHub's public keys endpoint on 127.0.0.1, in a thread: it publishes `published`
    (identifier -> PEM), or `answer` (status, body) instead, and counts the GETs it gets."""

    def __init__(self):
        self.published: dict[str, str] = {}
        self.current = ""
        self.answer: tuple[int, bytes] | None = None
        self.requests = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with server._lock:
                    server.requests += 1
                    server.paths.append(self.path)
                    status, body = server.answer or (200, server.document())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # no request lines on stderr
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{KEYS_PATH}"

    def document(self) -> bytes:
        return json.dumps(
            {
                "public_keys": [
                    {
                        "key_identifier": identifier,
                        "key": pem,
                        "is_current": identifier == self.current,
                    }
                    for identifier, pem in self.published.items()
                ]
            }
        ).encode()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class GitHub:
    """The signer: private keys by identifier, and the keys server that publishes them."""

    def __init__(self, server: KeysServer):
        self.server = server
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}

    def publish(self, identifier: str, *, current: bool = True) -> ec.EllipticCurvePrivateKey:
        key = ec.generate_private_key(ec.SECP256R1())
        self.keys[identifier] = key
        self.server.published[identifier] = pem_of(key)
        if current:
            self.server.current = identifier
        return key

    def withdraw(self, identifier: str) -> None:
        del self.server.published[identifier]

    def send(self, client, body: bytes, *, identifier: str = CURRENT, key=None, **extra):
        """The report as GitHub sends it: signed by `key` (by default, the identifier's)."""
        signature = sign(key or self.keys[identifier], body)
        return post(client, body, identifier=identifier, signature=signature, **extra)


def post(client, body: bytes, *, identifier=None, signature=None, **extra):
    headers = {}
    if identifier is not None:
        headers["Github-Public-Key-Identifier"] = identifier
    if signature is not None:
        headers["Github-Public-Key-Signature"] = signature
    return client.post(PATH, body, content_type="application/json", headers=headers, **extra)


def report(*tokens: str, url: str = LEAK_URL, source: str = "content") -> bytes:
    """GitHub's report of `tokens`, as it sends it."""
    return json.dumps(
        [{"token": token, "type": TOKEN_TYPE, "url": url, "source": source} for token in tokens]
    ).encode()


def feedback(token: str, label: str) -> dict:
    return {
        "token_hash": hashlib.sha256(token.encode()).hexdigest(),
        "token_type": TOKEN_TYPE,
        "label": label,
    }


@pytest.fixture
def keys_server(settings, monkeypatch):
    # A proxy from the environment must not stand between the endpoint and 127.0.0.1.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = KeysServer()
    settings.CONSOLE_SECRET_SCANNING_KEYS_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def github(keys_server) -> GitHub:
    """GitHub publishing two keys, CURRENT (current) and OLD."""
    github = GitHub(keys_server)
    github.publish(OLD, current=False)
    github.publish(CURRENT)
    return github


# --- The Console's side ------------------------------------------------------------------------


@pytest.fixture
def team(org, add_member):
    """Alice (owner) with an admin and a developer: owners and admins hear of leaks."""
    admin = add_member(org, Role.ADMIN, "admin@alice.example")
    add_member(org, Role.DEVELOPER, "dev@alice.example")
    return sorted(["alice@example.com", admin.email])


@dataclass
class Leaky:
    app: object
    secret: ClientSecret
    plaintext: Hidden

    def fresh(self) -> ClientSecret:
        return ClientSecret.objects.get(pk=self.secret.pk)


@pytest.fixture
def leaky(sandbox_app, alice, team) -> Leaky:
    """A working secret of alice's sandbox app, which is about to be leaked."""
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice, name="CI")
    return Leaky(sandbox_app, secret, Hidden(plaintext))


def token_status(client, leaky: Leaky) -> tuple[int, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": leaky.app.client_id,
        "client_secret": leaky.plaintext,
    }
    response = client.post(TOKEN_PATH, urlencode(form), content_type=FORM)
    return response.status_code, response.json().get("error", "")


def state() -> tuple:
    """Everything a report may write: the secrets' rows, the audit log, the outbox."""
    return (
        list(
            ClientSecret.objects.order_by("pk").values_list(
                "pk", "slot", "revoked_at", "ended_reason", "leak_url", "leak_source"
            )
        ),
        last_id(),
        OutboundEmail.objects.count(),
        len(mail.outbox),
    )


def unknown_secret() -> str:
    """Well-formed, checksum and all, but not one of ours."""
    return credentials.generate()


def test_the_url_is_the_one_github_is_given():
    assert reverse("api:secret_scanning_github") == PATH


# --- A leak, end to end ------------------------------------------------------------------------


def test_a_signed_report_revokes_the_secret_and_the_owners_and_admins_are_emailed(
    client, github, leaky, team, run, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    assert token_status(client, leaky) == (200, "")
    before = last_id()

    response = run(github.send, client, report(leaky.plaintext))

    assert response.status_code == 200
    assert response.json() == [feedback(leaky.plaintext, "true_positive")]
    secret = leaky.fresh()
    assert secret.revoked_at is not None
    assert secret.revoked_by is None
    assert secret.slot is None
    assert secret.ended_reason == Ended.LEAKED
    assert (secret.leak_url, secret.leak_source) == (LEAK_URL, "content")

    entry = only_entry(before, AuditEvent.Action.CLIENT_SECRET_LEAK)
    assert entry.organization == leaky.app.organization
    assert (entry.actor, entry.actor_email, entry.actor_name) == (None, "", GITHUB)
    assert (entry.target_type, entry.target_id) == ("app", leaky.app.client_id)
    assert entry.details == {
        "secret": secret.hint,
        "name": "CI",
        "url": LEAK_URL,
        "source": "content",
    }
    assert entry.ip == "127.0.0.1"

    emails = list(OutboundEmail.objects.values_list("to", "subject", "status"))
    assert emails == [
        (
            team,
            f"Console: A client secret of {leaky.app.name} was found in public and is revoked",
            "sent",
        )
    ]
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == team
    message = mail.outbox[0]
    says_where = LEAK_URL in message.body and secret.hint in message.body
    shows_secret = leaky.plaintext in message.body + "".join(
        str(content) for content, _ in message.alternatives
    )
    assert says_where, "the email doesn't say which secret leaked and where"
    assert not shows_secret, "the email shows the secret"

    # The next token request with the leaked secret is refused.
    assert token_status(client, leaky) == (401, "invalid_client")

    assert github.server.paths == [KEYS_PATH]  # fetched once, then cached
    output = capsys.readouterr()
    places = {
        "the logs": caplog.text,
        "stdout": output.out,
        "stderr": output.err,
        "the answer": response.content.decode(),
        "the audit log": json.dumps(list(AuditEvent.objects.values()), default=str),
    }
    leaked_to = [name for name, text in places.items() if leaky.plaintext in text]
    assert leaked_to == []


def test_tokens_issued_with_the_leaked_secret_stop_at_once(client, github, leaky, alice, run):
    _, caller_secret = services.client_secret_create(app=leaky.app, created_by=alice)
    form = {
        "grant_type": "client_credentials",
        "client_id": leaky.app.client_id,
        "client_secret": leaky.plaintext,
    }
    issued = client.post(TOKEN_PATH, urlencode(form), content_type=FORM)
    token = Hidden(issued.json()["access_token"])

    def active() -> bool:
        # Another secret of the app asks; the answer about a secret is cached for a while.
        asked = {"client_id": leaky.app.client_id, "client_secret": caller_secret, "token": token}
        response = client.post(INTROSPECT_PATH, urlencode(asked), content_type=FORM)
        assert response.status_code == 200
        return response.json()["active"]

    assert active()
    assert run(github.send, client, report(leaky.plaintext)).status_code == 200
    assert not active()


def test_the_feedback_is_githubs_format_one_entry_per_report_in_order(client, github, leaky):
    unknown = unknown_secret()
    body = report(unknown, leaky.plaintext, "not a secret at all")

    response = github.send(client, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    answer = response.json()
    assert answer == [
        feedback(unknown, "false_positive"),
        feedback(leaky.plaintext, "true_positive"),
        feedback("not a secret at all", "false_positive"),
    ]
    assert all(len(item["token_hash"]) == 64 for item in answer)
    assert sorted(answer[0]) == ["label", "token_hash", "token_type"]


def test_the_token_type_github_sent_is_the_one_it_gets_back(client, github, leaky):
    body = json.dumps([{"token": unknown_secret(), "type": "tink_client_secret_v2"}]).encode()

    response = github.send(client, body)

    assert response.status_code == 200
    assert response.json()[0]["token_type"] == "tink_client_secret_v2"


def test_a_report_without_url_or_source_still_revokes(client, github, leaky):
    body = json.dumps([{"token": leaky.plaintext, "type": TOKEN_TYPE, "url": None}]).encode()

    response = github.send(client, body)

    assert response.json() == [feedback(leaky.plaintext, "true_positive")]
    secret = leaky.fresh()
    assert (secret.ended_reason, secret.leak_url, secret.leak_source) == (Ended.LEAKED, "", "")


def test_a_report_signed_by_the_old_key_is_accepted_too(client, github, leaky):
    response = github.send(client, report(leaky.plaintext), identifier=OLD)

    assert response.status_code == 200
    assert leaky.fresh().ended_reason == Ended.LEAKED


# --- Signatures --------------------------------------------------------------------------------


def test_a_report_signed_by_another_key_is_401_and_changes_nothing(client, github, leaky):
    stranger = ec.generate_private_key(ec.SECP256R1())
    before = state()

    response = github.send(client, report(leaky.plaintext), key=stranger)

    assert response.status_code == 401
    assert response.json() == {"error": "The signature does not match the report."}
    assert state() == before
    assert token_status(client, leaky) == (200, "")


def test_a_report_signed_with_one_published_key_but_naming_another_is_401(client, github, leaky):
    before = state()

    response = github.send(
        client, report(leaky.plaintext), identifier=CURRENT, key=github.keys[OLD]
    )

    assert response.status_code == 401
    assert state() == before


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_flipped_byte_in_the_body_is_401_and_changes_nothing(client, github, leaky, where):
    body = report(leaky.plaintext)
    signature = sign(github.keys[CURRENT], body)
    index = {"first": 0, "middle": len(body) // 2, "last": len(body) - 1}[where]
    tampered = bytearray(body)
    tampered[index] ^= 0x01
    before = state()

    response = post(client, bytes(tampered), identifier=CURRENT, signature=signature)

    assert response.status_code == 401
    assert state() == before


def test_another_reports_signature_is_401(client, github, leaky):
    signature = sign(github.keys[CURRENT], report(unknown_secret()))
    before = state()

    response = post(client, report(leaky.plaintext), identifier=CURRENT, signature=signature)

    assert response.status_code == 401
    assert state() == before


def test_a_flipped_byte_in_the_signature_is_401(client, github, leaky):
    body = report(leaky.plaintext)
    der = bytearray(base64.b64decode(sign(github.keys[CURRENT], body)))
    der[-1] ^= 0x01
    before = state()

    response = post(
        client, body, identifier=CURRENT, signature=base64.b64encode(bytes(der)).decode()
    )

    assert response.status_code == 401
    assert state() == before


def test_an_unknown_identifier_is_401_after_asking_github_again_once(client, github, leaky):
    assert github.send(client, report(unknown_secret())).status_code == 200
    assert github.server.requests == 1  # the document is now cached
    stranger = ec.generate_private_key(ec.SECP256R1())
    before = state()

    first = github.send(client, report(leaky.plaintext), identifier="f" * 64, key=stranger)
    second = github.send(client, report(leaky.plaintext), identifier="e" * 64, key=stranger)

    assert (first.status_code, second.status_code) == (401, 401)
    assert first.json() == {"error": "Unknown public key identifier."}
    # Asked again for the first unknown identifier; the second, moments later, isn't.
    assert github.server.requests == 2
    assert state() == before


def test_a_key_github_starts_publishing_is_fetched_and_accepted(client, github, leaky, run):
    assert github.send(client, report(unknown_secret())).status_code == 200
    assert github.server.requests == 1
    # GitHub rotates: a new current key, the old ones withdrawn.
    github.publish(NEXT)
    github.withdraw(CURRENT)
    github.withdraw(OLD)

    response = run(github.send, client, report(leaky.plaintext), identifier=NEXT)

    assert response.status_code == 200
    assert response.json() == [feedback(leaky.plaintext, "true_positive")]
    assert leaky.fresh().ended_reason == Ended.LEAKED
    assert github.server.requests == 2
    assert token_status(client, leaky) == (401, "invalid_client")
    # The withdrawn key is gone from the refetched document.
    withdrawn = github.send(client, report(unknown_secret()), identifier=CURRENT)
    assert withdrawn.status_code == 401


def test_a_replayed_report_is_true_positive_without_a_second_email_or_entry(
    client, github, leaky, run
):
    body = report(leaky.plaintext)
    signature = sign(github.keys[CURRENT], body)
    first = run(post, client, body, identifier=CURRENT, signature=signature)
    assert first.status_code == 200
    assert (OutboundEmail.objects.count(), len(mail.outbox)) == (1, 1)
    before = state()

    again = run(post, client, body, identifier=CURRENT, signature=signature)

    assert again.status_code == 200
    assert again.json() == [feedback(leaky.plaintext, "true_positive")]
    assert state() == before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CLIENT_SECRET_LEAK).count() == 1


def test_the_same_token_twice_in_one_report_revokes_and_emails_once(client, github, leaky, run):
    before = last_id()

    response = run(github.send, client, report(leaky.plaintext, leaky.plaintext))

    assert response.json() == [feedback(leaky.plaintext, "true_positive")] * 2
    only_entry(before, AuditEvent.Action.CLIENT_SECRET_LEAK)
    assert (OutboundEmail.objects.count(), len(mail.outbox)) == (1, 1)


def test_a_secret_that_had_stopped_working_is_true_positive_and_unchanged(
    client, github, leaky, alice
):
    revoked = leaky.fresh()
    services.client_secret_revoke(secret=revoked, revoked_by=alice)
    expiring, expiring_plaintext = services.client_secret_create(
        app=leaky.app, created_by=alice, expires_at=timezone.now() + timedelta(days=1)
    )
    ClientSecret.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = state()

    response = github.send(client, report(leaky.plaintext, expiring_plaintext))

    assert response.json() == [
        feedback(leaky.plaintext, "true_positive"),
        feedback(expiring_plaintext, "true_positive"),
    ]
    assert state() == before
    assert leaky.fresh().ended_reason == Ended.REVOKED


@pytest.mark.parametrize(
    "token",
    [
        "well-formed",
        "bad checksum",
        "hello",
        "tink_cs_",
        "tink_cs_" + "x" * 49,
        "ghp_" + "a" * 36,
        "\u00e9" * 57,
    ],
)
def test_a_token_that_is_not_ours_is_false_positive_and_changes_nothing(
    client, github, leaky, token
):
    if token == "well-formed":
        token = unknown_secret()
    elif token == "bad checksum":
        last = leaky.plaintext[-1]
        token = leaky.plaintext[:-1] + ("A" if last != "A" else "B")
    before = state()

    response = github.send(client, report(token))

    assert response.status_code == 200
    assert response.json() == [feedback(token, "false_positive")]
    assert state() == before


# --- Refused requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifier", "signature"),
    [(None, None), (CURRENT, None), (None, "sign"), ("", "sign"), (CURRENT, "")],
    ids=["neither", "no signature", "no identifier", "empty identifier", "empty signature"],
)
def test_a_report_without_its_headers_is_401(client, github, leaky, identifier, signature):
    body = report(leaky.plaintext)
    if signature == "sign":
        signature = sign(github.keys[CURRENT], body)
    before = state()

    response = post(client, body, identifier=identifier, signature=signature)

    assert response.status_code == 401
    assert "Github-Public-Key-Identifier" in response.json()["error"]
    assert state() == before


@pytest.mark.parametrize("signature", ["not base64!", "abc", "YWJj\n", "\u00e9t\u00e9", "====="])
def test_a_signature_that_is_not_base64_is_401(client, github, leaky, signature):
    before = state()

    response = post(client, report(leaky.plaintext), identifier=CURRENT, signature=signature)

    assert response.status_code == 401
    assert state() == before


@pytest.mark.parametrize("identifier", ["\u00e9" * 10, "a" * 201], ids=["latin-1", "long"])
def test_an_identifier_no_key_could_have_is_401_without_asking_github(
    client, github, leaky, identifier
):
    body = report(leaky.plaintext)
    before = state()

    response = post(client, body, identifier=identifier, signature=sign(github.keys[CURRENT], body))

    assert response.status_code == 401
    assert response.json() == {"error": "Unknown public key identifier."}
    assert state() == before
    assert github.server.requests == 0


@pytest.mark.parametrize("identifier", [NOT_EC, BROKEN], ids=["ed25519 key", "not a key"])
def test_a_published_key_that_is_not_ec_p256_is_401(client, github, leaky, identifier, caplog):
    github.server.published[NOT_EC] = pem_of(ed25519.Ed25519PrivateKey.generate())
    github.server.published[BROKEN] = "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"
    body = report(leaky.plaintext)
    before = state()

    response = post(client, body, identifier=identifier, signature=sign(github.keys[CURRENT], body))

    assert response.status_code == 401
    assert state() == before
    assert "is not an EC public key" in caplog.text


def test_a_body_over_one_megabyte_is_413_signed_or_not(client, github, leaky):
    body = report(leaky.plaintext) + b" " * MB
    before = state()

    signed = github.send(client, body)
    unsigned = post(client, body)

    assert (signed.status_code, unsigned.status_code) == (413, 413)
    assert state() == before
    assert github.server.requests == 0  # refused before any key is looked up


def test_a_body_of_exactly_one_megabyte_is_read(client, github, leaky):
    start = report(leaky.plaintext)
    body = start + b" " * (MB - len(start))  # JSON allows the trailing whitespace
    assert len(body) == secret_scanning.MAX_BODY_BYTES

    response = github.send(client, body)

    assert response.status_code == 200
    assert leaky.fresh().ended_reason == Ended.LEAKED
    assert github.send(client, body + b" ").status_code == 413


def test_a_content_length_over_one_megabyte_is_413_whatever_the_body(client, github, leaky):
    body = report(leaky.plaintext)
    before = state()

    response = github.send(client, body, CONTENT_LENGTH=str(MB + 1))

    assert response.status_code == 413
    assert state() == before


def test_a_content_length_smaller_than_the_body_only_lets_that_much_be_read(client, github, leaky):
    body = report(leaky.plaintext) + b" " * (2 * MB)
    before = state()

    response = github.send(client, body, CONTENT_LENGTH="100")

    assert response.status_code == 401  # the signature is over the whole body, not its start
    assert state() == before


def test_a_stream_longer_than_its_content_length_is_413(github, leaky):
    """The view reads at most one byte past the limit, whatever the server hands it."""
    body = report(leaky.plaintext) + b" " * MB
    request = RequestFactory().post(
        PATH,
        body,
        content_type="application/json",
        headers={
            "Github-Public-Key-Identifier": CURRENT,
            "Github-Public-Key-Signature": sign(github.keys[CURRENT], body),
        },
    )
    request.META["CONTENT_LENGTH"] = "10"
    request._stream = io.BytesIO(body)  # a WSGI server that doesn't bound wsgi.input
    before = state()

    response = views.secret_scanning_github(request)

    assert response.status_code == 413
    assert state() == before


@pytest.mark.parametrize("length", ["abc", "1e3", "0x10"])
def test_a_content_length_that_is_not_a_number_is_400(client, github, leaky, length):
    before = state()

    response = github.send(client, report(leaky.plaintext), CONTENT_LENGTH=length)

    assert response.status_code == 400
    assert state() == before


TOO_LONG = "u" * (secret_scanning.MAX_TEXT_LENGTH + 1)
MALFORMED = {
    "not json": b"{not json",
    "not utf-8": b'[{"token": "\xff"}]',
    "empty": b"",
    "an object": b'{"token": "<secret>", "type": "t"}',
    "a string": b'"<secret>"',
    "null": b"null",
    "a list of numbers": b"[1, 2]",
    "missing token": b'[{"type": "tink_client_secret", "url": "u"}]',
    "empty token": b'[{"token": "", "type": "tink_client_secret"}]',
    "token a number": b'[{"token": 5, "type": "tink_client_secret"}]',
    "missing type": b'[{"token": "<secret>"}]',
    "type null": b'[{"token": "<secret>", "type": null}]',
    "url a list": b'[{"token": "<secret>", "type": "t", "url": ["a"]}]',
    "NUL in token": b'[{"token": "<secret>\\u0000", "type": "t"}]',
    "NUL in url": b'[{"token": "<secret>", "type": "t", "url": "https://x\\u0000"}]',
    "NUL in source": b'[{"token": "<secret>", "type": "t", "source": "\\u0000"}]',
    "url too long": b'[{"token": "<secret>", "type": "t", "url": "' + TOO_LONG.encode() + b'"}]',
    "token too long": b'[{"token": "' + b"t" * 1001 + b'", "type": "t"}]',
    "a good report then a bad one": b'[{"token": "<secret>", "type": "t"}, {"type": "t"}]',
    "too many reports": json.dumps(
        [{"token": "<secret>", "type": "t"}]
        + [{"token": f"t{n}", "type": "t"} for n in range(secret_scanning.MAX_REPORTS)]
    ).encode(),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_signed_body_that_is_not_a_report_is_400_and_changes_nothing(client, github, leaky, name):
    body = MALFORMED[name].replace(b"<secret>", leaky.plaintext.encode())
    before = state()

    response = github.send(client, body)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert state() == before
    assert token_status(client, leaky) == (200, "")


def test_a_signed_body_nested_too_deep_is_400(github, leaky):
    client = Client(raise_request_exception=False)

    response = github.send(client, b"[" * 100_000)

    assert response.status_code == 400


# --- GitHub's keys can't be read ----------------------------------------------------------------


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{KEYS_PATH}"


KEYS_ANSWERS = {
    "HTTP 500": (500, b'{"message": "oops"}'),
    "HTTP 404": (404, b'{"message": "Not Found"}'),
    "not JSON": (200, b"<html>rate limited</html>"),
    "not a keys document": (200, b'{"keys": []}'),
    "keys not a list": (200, b'{"public_keys": 5}'),
    "a list": (200, b"[]"),
}


@pytest.mark.parametrize("answer", [*KEYS_ANSWERS, "too large", "connection refused"])
def test_when_githubs_keys_cant_be_read_it_is_503_with_retry_after_until_they_can(
    client, github, leaky, settings, answer, caplog
):
    if answer == "connection refused":
        settings.CONSOLE_SECRET_SCANNING_KEYS_URL = closed_port_url()
    elif answer == "too large":
        # The real document, padded with whitespace past the limit: valid JSON, refused.
        padding = b" " * secret_scanning.MAX_KEYS_DOCUMENT_BYTES
        github.server.answer = (200, github.server.document() + padding)
    else:
        github.server.answer = KEYS_ANSWERS[answer]
    before = state()

    response = github.send(client, report(leaky.plaintext))

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "keys" in response.json()["error"]
    assert state() == before
    assert "Secret scanning report not checked" in caplog.text

    # GitHub retries; by then the keys can be read, and nothing was cached meanwhile.
    github.server.answer = None
    settings.CONSOLE_SECRET_SCANNING_KEYS_URL = github.server.url
    retried = github.send(client, report(leaky.plaintext))
    assert retried.status_code == 200
    assert leaky.fresh().ended_reason == Ended.LEAKED


@contextlib.contextmanager
def not_http_server():
    """A TCP server on 127.0.0.1 that answers whatever it is asked with a line that isn't
    HTTP (a proxy or load balancer gone wrong); yields its keys URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(5)

    def answer() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            connection.sendall(b"HELLO THERE\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}{KEYS_PATH}"
    finally:
        listener.close()
        thread.join(timeout=5)


def test_a_keys_server_that_doesnt_speak_http_is_503(github, leaky, settings):
    client = Client(raise_request_exception=False)
    before = state()

    with not_http_server() as url:
        settings.CONSOLE_SECRET_SCANNING_KEYS_URL = url
        response = github.send(client, report(leaky.plaintext))

    assert state() == before
    assert response.status_code == 503


def test_cached_keys_keep_working_while_github_is_down(client, github, leaky, settings):
    assert github.send(client, report(unknown_secret())).status_code == 200
    settings.CONSOLE_SECRET_SCANNING_KEYS_URL = closed_port_url()

    response = github.send(client, report(leaky.plaintext))

    assert response.status_code == 200
    assert leaky.fresh().ended_reason == Ended.LEAKED


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_405(client, github, leaky, method):
    before = state()

    response = getattr(client, method)(PATH)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "application/json"
    assert state() == before


# --- Staff report a leak in the admin ------------------------------------------------------------


@pytest.fixture
def staff(make_user) -> User:
    """Staff who may change client secrets (and so report them), with two-factor log-in."""
    return make_staff(
        make_user, "security@tink.example", "view_clientsecret", "change_clientsecret"
    )


@pytest.fixture
def staff_client(client, staff) -> Client:
    client.force_login(staff)
    return client


REPORT_LEAK = "admin:apps_clientsecret_report_leak"


def test_staff_open_the_report_a_leaked_secret_page(staff_client):
    page = staff_client.get(reverse(REPORT_LEAK))

    assert page.status_code == 200
    assert "Report a leaked client secret" in page.content.decode()
    assert 'name="token"' in page.content.decode()


def test_staff_find_report_a_leaked_secret_on_the_secrets_list(staff_client):
    changelist = staff_client.get(reverse("admin:apps_clientsecret_changelist"))

    assert changelist.status_code == 200
    linked = f'href="{reverse(REPORT_LEAK)}"' in changelist.content.decode()
    assert linked, "no link to Report a leaked secret"


def test_staff_report_a_leaked_secret_in_the_admin(staff_client, staff, leaky, team, run):
    before = last_id()

    response = run(
        staff_client.post,
        reverse(REPORT_LEAK),
        {"token": leaky.plaintext, "url": "https://pastebin.example/abc", "source": "pastebin"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:apps_clientsecret_change", args=[leaky.secret.pk])
    secret = leaky.fresh()
    assert (secret.ended_reason, secret.revoked_by) == (Ended.LEAKED, staff)
    assert (secret.leak_url, secret.leak_source) == ("https://pastebin.example/abc", "pastebin")
    entry = only_entry(before, AuditEvent.Action.CLIENT_SECRET_LEAK)
    assert (entry.actor, entry.actor_email, entry.actor_name) == (staff, staff.email, "")
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [team]
    assert [sorted(message.to) for message in mail.outbox] == [team]
    assert token_status(Client(), leaky) == (401, "invalid_client")
    followed = staff_client.get(response["Location"]).content.decode()
    assert "is revoked as leaked" in followed
    shown = leaky.plaintext in followed
    assert not shown, "the change page shows the secret"


@pytest.mark.parametrize("token", ["not-a-secret", "well-formed"])
def test_staff_reporting_something_that_is_not_our_secret_get_a_form_error(
    staff_client, leaky, token
):
    if token == "well-formed":
        token = Hidden(unknown_secret())
    before = state()

    response = staff_client.post(reverse(REPORT_LEAK), {"token": token, "url": "", "source": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert "This is not a client secret of ours: nothing changed." in page
    echoed = token in page
    assert not echoed, "the form shows the token again"
    assert state() == before


def test_staff_reporting_a_secret_already_revoked_change_nothing(staff_client, leaky, alice):
    services.client_secret_revoke(secret=leaky.fresh(), revoked_by=alice)
    before = state()

    response = staff_client.post(reverse(REPORT_LEAK), {"token": leaky.plaintext})

    assert response.status_code == 302
    assert state() == before
    assert "had already stopped working" in staff_client.get(response["Location"]).content.decode()


def test_staff_who_may_only_view_secrets_cant_report_one(client, make_user, leaky):
    client.force_login(make_staff(make_user, "viewer@tink.example", "view_clientsecret"))
    before = state()

    response = client.post(reverse(REPORT_LEAK), {"token": leaky.plaintext})

    assert response.status_code == 403
    assert state() == before


# --- The report_leaked_secret command ----------------------------------------------------------


def test_the_command_reads_secrets_from_stdin_revokes_and_prints_no_secret(
    monkeypatch, leaky, alice, team, run, capsys
):
    stopped, stopped_plaintext = services.client_secret_create(app=leaky.app, created_by=alice)
    services.client_secret_revoke(secret=stopped, revoked_by=alice)
    lines = f"{leaky.plaintext}\n\n  {unknown_secret()}  \n{stopped_plaintext}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    out, err = io.StringIO(), io.StringIO()
    before = last_id()

    run(
        call_command,
        "report_leaked_secret",
        "--url",
        "https://gist.example/1",
        "--source",
        "gist",
        "--reporter",
        "Security team",
        stdout=out,
        stderr=err,
    )

    secret = leaky.fresh()
    assert (secret.ended_reason, secret.leak_url, secret.leak_source) == (
        Ended.LEAKED,
        "https://gist.example/1",
        "gist",
    )
    entry = only_entry(before, AuditEvent.Action.CLIENT_SECRET_LEAK)
    assert (entry.actor, entry.actor_name) == (None, "Security team")
    assert [sorted(message.to) for message in mail.outbox] == [team]
    assert out.getvalue().splitlines() == [
        f"1: {secret.hint}… of {leaky.app} revoked as leaked.",
        "2: not a client secret of ours.",
        f"3: {stopped.hint}… had already stopped working.",
    ]
    captured = capsys.readouterr()
    printed = out.getvalue() + err.getvalue() + captured.out + captured.err
    shown = [token for token in (leaky.plaintext, stopped_plaintext) if token in printed]
    assert shown == []


def test_the_command_with_nothing_on_stdin_says_so_and_changes_nothing(monkeypatch, leaky):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n"))
    err = io.StringIO()
    before = state()

    call_command("report_leaked_secret", stdout=io.StringIO(), stderr=err)

    assert "nothing to report" in err.getvalue()
    assert state() == before
    assert written_since(before[1]) == []


# --- Hypothesis ---------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=500,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SECRET = "<secret>"  # the stand-in for the real secret, swapped in only when sent


@dataclass(frozen=True)
class Signed:
    """A signature made when the request is sent: by `key` (an identifier of a published key,
    or "stranger"), over the body sent or over `other` bytes."""

    key: str
    other: bytes | None = None


@dataclass(frozen=True)
class Fuzzed:
    body: bytes | tuple  # bytes as they are, or a report (a tuple of dicts) to encode
    well_formed: bool  # a report every item of which the endpoint must accept
    identifier: str | None
    signature: Signed | str | None
    content_type: str
    content_length: str | None
    method: str


def weighted(*options: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    slots = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(slots).flatmap(lambda strategy: strategy)


def _frozen(items: list[dict]) -> tuple:
    return tuple(tuple(item.items()) for item in items)


texts = st.text(max_size=30)
good_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
good_tokens = weighted(
    (3, st.just(SECRET)),
    (2, st.builds(unknown_secret)),
    (1, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1)),
    (1, st.sampled_from(["tink_cs_", "ghp_abc", "x" * 1000])),
)
good_reports = st.lists(
    st.fixed_dictionaries(
        {
            "token": good_tokens,
            "type": weighted((4, st.just(TOKEN_TYPE)), (1, good_texts.filter(bool))),
        },
        optional={"url": st.none() | good_texts, "source": st.none() | good_texts},
    ),
    max_size=5,
).map(_frozen)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts | st.just(SECRET),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["token", "type", "url", "source"]) | texts, children)
    ),
    max_leaves=12,
)
odd_reports = st.lists(
    st.dictionaries(st.sampled_from(["token", "type", "url", "source", "extra"]), json_values)
    | json_values,
    max_size=5,
).map(lambda items: json.dumps(items).encode())
bodies = weighted(
    (4, good_reports.map(lambda report: (report, True))),
    (2, odd_reports.map(lambda raw: (raw, False))),
    (2, json_values.map(lambda value: (json.dumps(value).encode(), False))),
    (2, st.binary(max_size=200).map(lambda raw: (raw, False))),
    (
        1,
        st.integers(MB - 2, MB + 2).map(lambda size: ((b"[]" + b" " * size)[:size], False)),
    ),
)
identifiers = weighted(
    (6, st.just(CURRENT)),
    (1, st.sampled_from([OLD, NOT_EC, BROKEN, "f" * 64, ""])),
    (1, st.none()),
    (1, st.text(max_size=40)),
    (1, st.text(st.characters(max_codepoint=0xFF), max_size=300)),
)
signatures = weighted(
    (6, st.builds(Signed, st.sampled_from([CURRENT, CURRENT, OLD]))),
    (1, st.builds(Signed, st.just("stranger"))),
    (1, st.builds(Signed, st.just(CURRENT), st.binary(max_size=20))),
    (1, st.binary(max_size=80).map(lambda raw: base64.b64encode(raw).decode())),
    (1, st.none() | st.text(max_size=100)),
    (1, st.text(st.characters(max_codepoint=0xFF), max_size=100)),
)
fuzzed_requests = st.builds(
    lambda body, **fields: Fuzzed(body=body[0], well_formed=body[1], **fields),
    body=bodies,
    identifier=identifiers,
    signature=signatures,
    content_type=weighted(
        (6, st.just("application/json")),
        (1, st.sampled_from([FORM, "text/plain", "multipart/form-data; boundary=x", ""])),
        (1, st.text(max_size=40)),
    ),
    content_length=weighted((12, st.none()), (1, st.sampled_from(["abc", "", str(2 * MB)]))),
    method=weighted((12, st.just("POST")), (1, st.sampled_from(["GET", "PUT", "OPTIONS"]))),
)


class Real:
    """The keys and the real secret; its repr hides them (Hypothesis prints fixtures)."""

    def __init__(self, github: GitHub, leaky: Leaky):
        self.github, self.leaky = github, leaky
        self.stranger = ec.generate_private_key(ec.SECP256R1())

    def body(self, fuzzed: Fuzzed) -> bytes:
        if isinstance(fuzzed.body, bytes):
            return fuzzed.body.replace(SECRET.encode(), self.leaky.plaintext.encode())
        items = [
            {name: (self.leaky.plaintext if value == SECRET else value) for name, value in item}
            for item in fuzzed.body
        ]
        return json.dumps(items).encode()

    def signature(self, fuzzed: Fuzzed, body: bytes) -> str | None:
        if not isinstance(fuzzed.signature, Signed):
            return fuzzed.signature
        key = self.stranger if fuzzed.signature.key == "stranger" else None
        key = key or self.github.keys[fuzzed.signature.key]
        return sign(key, body if fuzzed.signature.other is None else fuzzed.signature.other)

    def __repr__(self) -> str:
        return "Real(<hidden>)"


@pytest.fixture
def real(github, leaky) -> Real:
    github.server.published[NOT_EC] = pem_of(ed25519.Ed25519PrivateKey.generate())
    github.server.published[BROKEN] = "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"
    return Real(github, leaky)


def verified(fuzzed: Fuzzed, body: bytes) -> bool:
    """Whether the request carries a good signature by the key it names, over its body."""
    signed = fuzzed.signature
    return (
        isinstance(signed, Signed)
        and signed.other in (None, body)
        and signed.key == fuzzed.identifier
        and fuzzed.identifier in (CURRENT, OLD)
    )


def send(client, fuzzed: Fuzzed, body: bytes, signature: str | None):
    extra = {"CONTENT_TYPE": fuzzed.content_type}
    if fuzzed.identifier is not None:
        extra["HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER"] = fuzzed.identifier
    if signature is not None:
        extra["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = signature
    if fuzzed.content_length is not None:
        extra["CONTENT_LENGTH"] = fuzzed.content_length
    return client.generic(fuzzed.method, PATH, body, **extra)


def check(real: Real, fuzzed: Fuzzed) -> None:
    """Send the request; a JSON answer that is never a 5xx, the status its headers and body
    call for, and the secret revoked (and the owners emailed) only by a verified report of it."""
    client = Client(raise_request_exception=False)  # a crash is a 500 here, not a traceback
    leaky = real.leaky
    # Each example starts with the secret working again.
    ClientSecret.objects.filter(pk=leaky.secret.pk).update(
        revoked_at=None, revoked_by=None, slot=leaky.secret.slot, ended_reason=""
    )
    emails = OutboundEmail.objects.count()
    note(f"request: {fuzzed!r}")
    body = real.body(fuzzed)

    response = send(client, fuzzed, body, real.signature(fuzzed, body))

    event(str(response.status_code))
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"
    assert not response.cookies
    answer = json.loads(response.content)
    revoked = leaky.fresh().revoked_at is not None
    if fuzzed.method != "POST":
        assert response.status_code == 405
    elif fuzzed.content_length is not None:
        assert response.status_code in (400, 401, 413)
    elif len(body) > secret_scanning.MAX_BODY_BYTES:
        assert response.status_code == 413
    elif not verified(fuzzed, body):
        assert response.status_code == 401
    elif fuzzed.well_formed:
        assert response.status_code == 200
    else:
        assert response.status_code in (200, 400)
    if response.status_code != 200:
        assert isinstance(answer["error"], str)
        assert not revoked
        assert OutboundEmail.objects.count() == emails
        return
    items = json.loads(body)
    ours = [item["token"] == leaky.plaintext for item in items]
    event(f"200 with {len(items)} report(s), revoked: {any(ours)}")
    assert answer == [
        {
            "token_hash": hashlib.sha256(item["token"].encode()).hexdigest(),
            "token_type": item["type"],
            "label": "true_positive" if mine else "false_positive",
        }
        for item, mine in zip(items, ours, strict=True)
    ]
    assert revoked == any(ours)
    assert OutboundEmail.objects.count() == emails + any(ours)
    in_answer = leaky.plaintext in response.content.decode()
    assert not in_answer, "the answer holds the secret"


@FUZZ
@given(fuzzed=fuzzed_requests)
def test_no_request_gets_a_server_error_and_only_a_verified_report_changes_anything(real, fuzzed):
    check(real, fuzzed)


signed_requests = st.builds(
    lambda body, identifier: Fuzzed(
        body=body[0],
        well_formed=body[1],
        identifier=identifier,
        signature=Signed(identifier),
        content_type="application/json",
        content_length=None,
        method="POST",
    ),
    body=weighted(
        (3, good_reports.map(lambda report: (report, True))),
        (2, odd_reports.map(lambda raw: (raw, False))),
        (1, json_values.map(lambda value: (json.dumps(value).encode(), False))),
        (1, st.binary(max_size=200).map(lambda raw: (raw, False))),
    ),
    identifier=st.sampled_from([CURRENT, OLD]),
)


@settings(FUZZ, max_examples=300)
@given(fuzzed=signed_requests)
def test_a_verified_body_is_answered_or_refused_with_400_never_a_server_error(real, fuzzed):
    check(real, fuzzed)
