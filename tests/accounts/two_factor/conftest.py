"""Helpers and fixtures that several of tests/accounts/two_factor's test modules share."""

import hashlib
import json
import os
import re
from html import unescape
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from accounts.models import Organization, Role
from tests.conftest import PASSWORD, log_in, organization_of

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
MFA_INDEX = reverse("mfa_index")
ACTIVATE = reverse("mfa_activate_totp")
AUTHENTICATE = reverse("mfa_authenticate")
RECOVERY_CODES = reverse("mfa_view_recovery_codes")
REAUTHENTICATE = reverse("account_reauthenticate")


PERIOD = 30
START = 1_700_000_010  # 10 s into a 30 s period


class Hidden(str):
    """A code or secret: usable as a string, masked wherever pytest prints it."""

    def __repr__(self) -> str:
        return "'<hidden>'"


@pytest.fixture
def clock(monkeypatch):
    """allauth's TOTP clock, frozen (a code computed at 29.9 s would fail at 30.1 s), and
    moved on by the test. Only allauth's TOTP module sees it."""
    now = SimpleNamespace(value=float(START))
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: now.value))
    return now


def code_for(secret: str, clock, *, periods_ago: int = 0) -> Hidden:
    counter = int(clock.value) // PERIOD - periods_ago
    return Hidden(format_hotp_value(hotp_value(secret, counter)))


def says(response, text: str) -> bool:
    return text in unescape(response.content.decode())


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def enter_code(client, code: str):
    return client.post(AUTHENTICATE, {"code": code})


def confirm_password(client, response):
    """allauth asks for the password again before a change to two-factor log-in."""
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    return client.post(response["Location"], {"password": PASSWORD}, follow=True)


def open_page(client, url: str):
    """GET `url`, confirming the password first if allauth asks for it (it does unless the
    password was confirmed in the last five minutes)."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith(REAUTHENTICATE):
        response = confirm_password(client, response)
    assert response.request["PATH_INFO"] == url
    return response


def set_up_totp(client, user, clock) -> tuple[Hidden, list[Hidden]]:
    """Log in, confirm the password, open the activation page, read the secret it shows
    (allauth keeps it in the session until a code confirms it), send a code and read the
    recovery codes."""
    if not logged_in(client):
        assert log_in(client, user.email)["Location"] == reverse("home")
    page = open_page(client, ACTIVATE)
    assert page.status_code == 200
    secret = Hidden(client.session[totp_auth.SECRET_SESSION_KEY])
    assert says(page, Hidden(f'value="{secret}"')), "the page shows the secret for typing it in"
    assert says(page, 'src="data:image/svg+xml;base64,'), "the page shows the QR code"
    response = client.post(ACTIVATE, {"code": code_for(secret, clock)})
    assert response.status_code == 302
    assert response["Location"] == RECOVERY_CODES
    codes_page = client.get(RECOVERY_CODES)
    match = re.search(r'<textarea id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page.text, re.S)
    assert match, "the recovery codes are shown right after the setup"
    recovery_codes = [Hidden(code) for code in match.group(1).split()]
    return secret, recovery_codes


class SoftKey:
    """A security key in software: the same bytes a browser sends for a YubiKey or a passkey,
    built with fido2, so the server checks challenge, origin, RP id and signature for real."""

    ORIGIN = "https://testserver"  # the test client's host, which is the RP id

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0

    def _credential(self, response: dict) -> str:
        credential_id = websafe_encode(self.credential_id)
        return json.dumps(
            {
                "id": credential_id,
                "rawId": credential_id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )

    def register(self, options: dict) -> str:
        public_key = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.create", challenge=public_key["challenge"], origin=self.ORIGIN
        )
        attested = AttestedCredentialData.create(
            b"\0" * 16,
            self.credential_id,
            ES256.from_cryptography_key(self.private_key.public_key()),
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(public_key["rp"]["id"].encode()).digest(),
            AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT,
            self.counter,
            attested,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return self._credential(
            {
                "clientDataJSON": websafe_encode(client_data),
                "attestationObject": websafe_encode(attestation),
            }
        )

    def sign(self, options: dict) -> str:
        public_key = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.get", challenge=public_key["challenge"], origin=self.ORIGIN
        )
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(public_key["rpId"].encode()).digest(),
            AuthenticatorData.FLAG.UP,
            self.counter,
        )
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return self._credential(
            {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
            }
        )


def add_security_key(client, user, key: SoftKey, name: str = "YubiKey 5"):
    if not logged_in(client):
        assert log_in(client, user.email)["Location"] == reverse("home")
    page = open_page(client, reverse("mfa_add_webauthn"))
    assert says(page, 'id="mfa_webauthn_add"') and says(page, 'id="js_data"')
    credential = key.register(page.context["js_data"]["creation_options"])
    return client.post(reverse("mfa_add_webauthn"), {"name": name, "credential": credential})


@pytest.fixture
def strict_organization(alice) -> Organization:
    organization = organization_of(alice)
    organization.require_two_factor = True
    organization.save(update_fields=["require_two_factor"])
    return organization


@pytest.fixture
def bob(add_member, strict_organization):
    """A developer of alice's organization, which requires two-factor log-in."""
    return add_member(strict_organization, Role.DEVELOPER, email="bob@example.com")


def sent_to_set_up(response) -> bool:
    return response.status_code == 302 and response["Location"] == MFA_INDEX


@pytest.fixture
def staff(make_user):
    user = make_user("root@example.com", organization="Console Staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user
