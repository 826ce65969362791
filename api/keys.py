"""Access tokens: JWTs signed with Ed25519 (JWS "EdDSA"), verifiable with the published JWKS.

Signing keys come from CONSOLE_SIGNING_KEYS: comma-separated base64url Ed25519 private keys
(32-byte seeds), newest first. The first signs; all are published at /api/v1/oauth/jwks and
accepted on verification, so a key is rotated by putting a new one in front and dropping the
old one once its tokens have expired (30 minutes). With DEBUG on and no keys set, a development
key is derived from SECRET_KEY so tokens survive a restart of `make run`.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    kid: str
    jwk: dict


def new_key() -> str:
    """A new signing key, as CONSOLE_SIGNING_KEYS takes it."""
    return b64url(secrets.token_bytes(32))


def _load(seed: bytes) -> SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = b64url(raw)
    # RFC 7638 thumbprint: the required members, sorted, no whitespace.
    thumbprint = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = b64url(hashlib.sha256(thumbprint.encode()).digest())
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}
    return SigningKey(private=private, public=public, kid=kid, jwk=jwk)


@cache
def _keys(configured: tuple[str, ...], debug: bool, secret_key: str) -> tuple[SigningKey, ...]:
    if not configured:
        if not debug:
            raise ImproperlyConfigured(
                "CONSOLE_SIGNING_KEYS is required when DEBUG is off "
                "(make one with `manage.py signing_key`)."
            )
        seed = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"console.dev-signing-key"
        ).derive(secret_key.encode())
        return (_load(seed),)
    loaded = []
    for text in configured:
        try:
            seed = b64url_decode(text)
        except ValueError:
            seed = b""
        if len(seed) != 32:
            raise ImproperlyConfigured(
                "CONSOLE_SIGNING_KEYS must hold base64url Ed25519 keys of 32 bytes."
            )
        loaded.append(_load(seed))
    return tuple(loaded)


def signing_keys() -> tuple[SigningKey, ...]:
    return _keys(tuple(settings.CONSOLE_SIGNING_KEYS), settings.DEBUG, settings.SECRET_KEY)


def jwks() -> dict:
    return {"keys": [key.jwk for key in signing_keys()]}


def encode(claims: dict) -> str:
    key = signing_keys()[0]
    header = {"alg": "EdDSA", "typ": "at+jwt", "kid": key.kid}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = key.private.sign(signing_input.encode())
    return signing_input + "." + b64url(signature)


def decode(token: str) -> dict | None:
    """The claims of a token signed by one of our keys, or None. Expiry is the caller's."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(b64url_decode(header_part))
        signature = b64url_decode(signature_part)
    except (ValueError, TypeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        return None
    for key in signing_keys():
        if key.kid != header.get("kid"):
            continue
        try:
            key.public.verify(signature, f"{header_part}.{claims_part}".encode())
        except InvalidSignature:
            return None
        try:
            claims = json.loads(b64url_decode(claims_part))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None
    return None
