"""Encryption of data at rest with a rotatable key list (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from CONSOLE_ENCRYPTION_KEYS, newest first: new data is encrypted with the first
key, and every key in the list can still decrypt, so a key is rotated by putting a new one in
front. Without the setting a key is derived from SECRET_KEY, which is fine for development.
"""

import base64
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"console.encryption"
        ).derive(secret_key.encode())
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CONSOLE_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes)."
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.CONSOLE_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _current().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same plaintext, encrypted again with the newest key (for re-encrypting old rows)."""
    if not token:
        return ""
    return _current().rotate(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _current().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _current().decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    return _current().rotate(token)


def blind_index(value: str) -> str:
    """A keyed digest of a normalised value, so an encrypted column can be found by exact match
    (staff search a registration number) without storing it in clear."""
    normalised = "".join(value.split()).upper()
    if not normalised:
        return ""
    digest = hmac.new(_index_key(settings.SECRET_KEY), normalised.encode(), "sha256")
    return digest.hexdigest()


@cache
def _index_key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"console.blind-index"
    ).derive(secret_key.encode())


class EncryptedTextField(models.TextField):
    """Text that Python code reads in clear and the database holds only as a Fernet token."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
