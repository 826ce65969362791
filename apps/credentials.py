"""Client secrets: how they are made, recognised and stored.

A secret reads `tink_cs_` + 43 base62 characters (256 bits from `secrets`) + a 6-character
base62 CRC32 of what precedes it. The prefix lets secret scanners recognise a leaked secret and
the checksum lets them (and the token endpoint) reject a mistyped or invented one without a
database lookup, as GitHub does with its tokens.

Only HMAC-SHA256(key, secret) is stored. A secret has 256 bits of entropy, so nothing is gained
from a slow password hash; a keyed hash is verified in microseconds and a database dump alone
cannot be used to check guesses. The key is CONSOLE_SECRET_HASH_KEY, or derived from SECRET_KEY.
"""

import hashlib
import hmac
import secrets
import zlib
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "tink_cs_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 43  # 62**43 > 2**256
CHECKSUM_LENGTH = 6  # 62**6 > 2**32
LENGTH = len(PREFIX) + BODY_LENGTH + CHECKSUM_LENGTH
HINT_LENGTH = len(PREFIX) + 4


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def _checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode()), CHECKSUM_LENGTH)


def generate() -> str:
    body = _base62(secrets.randbits(256), BODY_LENGTH)
    return PREFIX + body + _checksum(PREFIX + body)


def is_well_formed(candidate: str) -> bool:
    """Prefix, length, alphabet and checksum are right: cheap, and needs no key."""
    if len(candidate) != LENGTH or not candidate.startswith(PREFIX):
        return False
    rest = candidate[len(PREFIX) :]
    if any(char not in ALPHABET for char in rest):
        return False
    body, checksum = rest[:BODY_LENGTH], rest[BODY_LENGTH:]
    return hmac.compare_digest(checksum, _checksum(PREFIX + body))


@cache
def _key(configured: str, secret_key: str) -> bytes:
    if configured:
        return configured.encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"console.client-secret-hash"
    ).derive(secret_key.encode())


def hash_secret(secret: str) -> str:
    key = _key(settings.CONSOLE_SECRET_HASH_KEY, settings.SECRET_KEY)
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def hint(secret: str) -> str:
    """The first characters: enough to tell secrets apart, far too few to guess the rest."""
    return secret[:HINT_LENGTH]


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
