"""GitHub secret scanning's partner endpoint: who may report a leak, and what a report holds.

GitHub signs each report's raw body with ECDSA P-256 / SHA-256 and names the key in
`Github-Public-Key-Identifier`; its public keys are published as
`{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}` at
CONSOLE_SECRET_SCANNING_KEYS_URL. The document is kept in the shared cache and fetched again
(at most every REFETCH_SECONDS) when a report names a key it doesn't hold, which is how a
rotation by GitHub reaches us. The report is a JSON array of `{"token", "type", "url",
"source"}`; each token goes to apps.services.client_secret_leak_report, and the answer is
GitHub's feedback format.
"""

import base64
import binascii
import hashlib
import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from apps import services as app_services

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_REPORTS = 1000  # tokens in one report; GitHub sends a few at a time
MAX_TOKEN_LENGTH = 1000
# type, url, source: longer values are refused. What is stored of a url and a source is cut to
# their columns (2000 and 100 characters): a leak is revoked even if GitHub's url is long.
MAX_TEXT_LENGTH = 4000
MAX_KEYS_DOCUMENT_BYTES = 256 * 1024
MAX_KEY_IDENTIFIER_LENGTH = 200
FETCH_TIMEOUT_SECONDS = 5
REFETCH_SECONDS = 10
KEYS_CACHE_KEY = "api:secret-scanning-keys"
REFETCHED_CACHE_KEY = "api:secret-scanning-keys:refetched"


@dataclass
class ReportRefused(Exception):
    """The answer to a report that changes nothing: its status and why."""

    status: int
    description: str
    retry_after: int = 0


class KeysUnavailable(Exception):
    """GitHub's key document could not be fetched or read."""


def _fetch_keys() -> dict[str, str]:
    """{key_identifier: PEM} from the keys document, or KeysUnavailable."""
    url = settings.CONSOLE_SECRET_SCANNING_KEYS_URL
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(MAX_KEYS_DOCUMENT_BYTES + 1)
    # URLError, HTTPError and timeouts are OSErrors; an answer that isn't HTTP, HTTPException.
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise KeysUnavailable(f"fetching {url} failed: {type(error).__name__}") from None
    if len(raw) > MAX_KEYS_DOCUMENT_BYTES:
        raise KeysUnavailable(f"{url} is larger than {MAX_KEYS_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(raw)
        keys = {
            entry["key_identifier"]: entry["key"]
            for entry in document["public_keys"]
            if isinstance(entry.get("key_identifier"), str) and isinstance(entry.get("key"), str)
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeysUnavailable(f"{url} is not a public keys document") from None
    return keys


def public_keys(*, refresh: bool = False) -> tuple[dict[str, str], bool]:
    """The keys document, from the cache unless absent or `refresh`; and whether it was just
    fetched."""
    keys = None if refresh else cache.get(KEYS_CACHE_KEY)
    if keys is not None:
        return keys, False
    keys = _fetch_keys()
    cache.set(KEYS_CACHE_KEY, keys, settings.CONSOLE_SECRET_SCANNING_KEYS_CACHE_SECONDS)
    return keys, True


def _key_for(identifier: str) -> str | None:
    """The PEM key GitHub names, fetching the document again once if the cached one doesn't
    hold it (at most once per REFETCH_SECONDS, so that unknown identifiers can't make us
    hammer GitHub; not at all if the document was just fetched)."""
    keys, fresh = public_keys()
    if (
        identifier not in keys
        and not fresh
        and cache.add(REFETCHED_CACHE_KEY, True, REFETCH_SECONDS)
    ):
        keys, _ = public_keys(refresh=True)
    return keys.get(identifier)


def signature_verify(*, body: bytes, identifier: str, signature: str) -> None:
    """Nothing if `signature` (base64 DER) is GitHub's over `body`, else ReportRefused."""
    if not identifier or not signature:
        raise ReportRefused(
            401, "Sign the report: Github-Public-Key-Identifier and -Signature are required."
        )
    if len(identifier) > MAX_KEY_IDENTIFIER_LENGTH or not identifier.isascii():
        raise ReportRefused(401, "Unknown public key identifier.")
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise ReportRefused(401, "The signature is not base64.") from None
    try:
        pem = _key_for(identifier)
    except KeysUnavailable as error:
        logger.warning("Secret scanning report not checked: %s", error)
        raise ReportRefused(503, "GitHub's public keys can't be read right now.", 60) from None
    if pem is None:
        raise ReportRefused(401, "Unknown public key identifier.")
    try:
        key = load_pem_public_key(pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise TypeError("not an EC key")
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ReportRefused(401, "The signature does not match the report.") from None
    except (ValueError, TypeError):
        logger.warning("Secret scanning key %r is not an EC public key", identifier)
        raise ReportRefused(401, "The signature does not match the report.") from None


@dataclass(frozen=True)
class LeakReport:
    token: str
    type: str
    url: str
    source: str


def _text(item: dict, name: str, *, required: bool, limit: int) -> str:
    value = item.get(name, "")
    if value is None and not required:
        value = ""
    if not isinstance(value, str) or (required and not value):
        raise ReportRefused(400, f"Each report needs {name} as a string.")
    if len(value) > limit or "\x00" in value:
        raise ReportRefused(400, f"A report's {name} is too long or holds a NUL character.")
    return value


@sensitive_variables("body", "document")
def reports_parse(body: bytes) -> list[LeakReport]:
    """The reports in a verified body, or ReportRefused (400) for anything else."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise ReportRefused(400, "The body is not JSON.") from None
    if not isinstance(document, list):
        raise ReportRefused(400, "The body must be a JSON array of reports.")
    if len(document) > MAX_REPORTS:
        raise ReportRefused(400, f"At most {MAX_REPORTS} reports at a time.")
    reports = []
    for item in document:
        if not isinstance(item, dict):
            raise ReportRefused(400, "Each report must be a JSON object.")
        reports.append(
            LeakReport(
                token=_text(item, "token", required=True, limit=MAX_TOKEN_LENGTH),
                type=_text(item, "type", required=True, limit=MAX_TEXT_LENGTH),
                url=_text(item, "url", required=False, limit=MAX_TEXT_LENGTH),
                source=_text(item, "source", required=False, limit=MAX_TEXT_LENGTH),
            )
        )
    return reports


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@sensitive_variables("reports")
def reports_handle(reports: list[LeakReport]) -> list[dict]:
    """Revoke what is ours and working; GitHub's feedback for each report, in order."""
    return [
        {
            "token_hash": token_hash(report.token),
            "token_type": report.type,
            "label": app_services.client_secret_leak_report(
                token=report.token, url=report.url, source=report.source
            ).label,
        }
        for report in reports
    ]
