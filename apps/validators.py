import re
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_URI_LENGTH = 2000
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
CUSTOM_HOST = re.compile(r"^[a-z0-9._~-]+(:[0-9]{1,5})?$")
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Schemes a browser would run or read locally instead of handing to an app.
FORBIDDEN_SCHEMES = {"javascript", "data", "file", "vbscript", "about", "blob", "filesystem"}
CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")

EXAMPLES = "like https://example.com/callback or awesomeapp://callback"


def normalize_redirect_uri(value: str) -> str:
    """A redirect URI as stored: scheme and host lowercased, or a ValidationError saying why.

    Accepted: https URIs; http only for localhost; a custom app scheme with a host part
    (awesomeapp://callback). Refused: relative URIs, fragments, user names or passwords,
    wildcards, schemes a browser runs itself (javascript:, data:, file:...).
    """
    uri = value.strip()
    if not uri:
        raise ValidationError("Enter a redirect URI.", code="required")
    if len(uri) > MAX_URI_LENGTH:
        raise ValidationError(
            f"A redirect URI can be at most {MAX_URI_LENGTH:,} characters.", code="max_length"
        )
    if CONTROL_OR_SPACE.search(uri):
        raise ValidationError("A redirect URI can't contain spaces or control characters.")
    if not uri.isascii():
        raise ValidationError(
            "Use ASCII characters only: punycode for international domain names and "
            "percent-encoding in paths."
        )
    if "*" in uri:
        raise ValidationError("Wildcards (*) aren't allowed: add each redirect URI.")
    if "#" in uri:
        raise ValidationError("A redirect URI can't contain a fragment (#).")
    scheme, _, rest = uri.partition(":")
    scheme = scheme.lower()
    if not rest or not SCHEME.match(scheme):
        raise ValidationError(f"Enter an absolute URI with a scheme, {EXAMPLES}.")
    if scheme in FORBIDDEN_SCHEMES:
        raise ValidationError(f"{scheme}: URIs can't be redirect URIs.")
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        raise ValidationError("The port must be a number between 1 and 65535.") from None
    if not rest.startswith("//") or not parts.netloc:
        raise ValidationError(f"A redirect URI needs a host after //, {EXAMPLES}.")
    if "@" in parts.netloc:
        raise ValidationError("A redirect URI can't contain a user name or password.")
    host = (parts.hostname or "").lower()
    netloc = parts.netloc.lower()
    if scheme in ("http", "https"):
        if scheme == "http" and host not in LOOPBACK_HOSTS:
            raise ValidationError("Use https: http is allowed only for localhost.")
        try:
            URLValidator(schemes=["http", "https"])(uri)
        except ValidationError:
            raise ValidationError(f"Enter a valid URI, {EXAMPLES}.") from None
    elif not CUSTOM_HOST.match(netloc):
        raise ValidationError(f"Enter a valid URI, {EXAMPLES}.")
    if port == 0:
        raise ValidationError("The port must be a number between 1 and 65535.")
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))
