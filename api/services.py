"""The token endpoint's rules: client authentication, grant types, scopes, tokens.

Every refusal is an OAuthError that says which RFC 6749 §5.2 error it is and which usage
outcome it counts as; the view turns it into the JSON answer.
"""

import re
import time
import uuid
from dataclasses import dataclass
from hmac import compare_digest

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import MAX_ID
from accounts.origin import current_origin
from apps import credentials
from apps import selectors as app_selectors
from apps.models import CLIENT_ID, App
from products import selectors as product_selectors
from products.models import SCOPE
from sandbox import services as sandbox_services
from sandbox.models import USER_ID

from . import keys, throttle, usage
from .models import Outcome

TOKEN_LIFETIME_SECONDS = 1800
SCOPE_SEPARATOR = re.compile(r"\s*,\s*|\s+")
MAX_SCOPE_LENGTH = 1000

CLIENT_FAILED = "Client authentication failed."


@dataclass
class OAuthError(Exception):
    error: str
    description: str
    status: int = 400
    outcome: str = Outcome.INVALID_REQUEST
    retry_after: int = 0


def invalid_client() -> OAuthError:
    # One answer for an unknown client, a wrong, revoked or another app's secret.
    return OAuthError("invalid_client", CLIENT_FAILED, 401, Outcome.INVALID_CLIENT)


def app_id_for(client_id: str) -> int | None:
    if not CLIENT_ID.fullmatch(client_id):
        return None
    return App.objects.filter(client_id=client_id).values_list("pk", flat=True).first()


@dataclass(frozen=True)
class AuthenticatedClient:
    """What the token path needs of an authenticated secret and its app."""

    secret_pk: int
    app_pk: int
    client_id: str
    app_type: str
    organization_id: int

    @property
    def is_production(self) -> bool:
        return self.app_type == App.Type.PRODUCTION


# Raw SQL on the hot path: building this query with the ORM costs about ten times more CPU
# than running it (measured with bench/token_endpoint.py --profile), and it is the only
# database read of a sandbox app's token request (a production app's also reads its
# organization's approvals). secret_hash is unique, so no ORDER BY. The expiry is checked by
# the same query, against the clock of this process (so it is exact to the request, and tests
# can move it): no sweep is needed for an expired secret to stop working.
FIND_ACTIVE_CLIENT = (
    "SELECT s.id, a.id, a.client_id, a.app_type, a.organization_id "
    "FROM apps_clientsecret s JOIN apps_app a ON a.id = s.app_id "
    "WHERE s.secret_hash = %s AND s.revoked_at IS NULL "
    "AND (s.expires_at IS NULL OR s.expires_at > %s)"
)


def _read_one(sql: str, params: list) -> tuple | None:
    """One row of a read-only query, without Django's per-request health check.

    With CONN_HEALTH_CHECKS a persistent connection is pinged (SELECT 1) before the first
    query of every request: on the token path that doubles the round trips. Here the query
    runs straight away, and a connection found broken (the database restarted) is replaced
    and the read run once more, which is safe outside a transaction.
    """

    def read() -> tuple | None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    if connection.in_atomic_block:  # a caller's transaction: Django's usual checks, no retry
        return read()
    connection.health_check_done = True
    try:
        return read()
    except (OperationalError, InterfaceError):
        connection.close()
        return read()


def _find_secret(client_id: str, client_secret: str) -> AuthenticatedClient | None:
    """The active secret of this client, or None; one indexed query whatever the case."""
    if not credentials.is_well_formed(client_secret):
        return None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    row = _read_one(FIND_ACTIVE_CLIENT, [credentials.hash_secret(client_secret), now])
    # Bytes: compare_digest refuses str with non-ASCII characters, which a client_id may hold.
    if row is None or not compare_digest(row[2].encode(), client_id.encode()):
        return None
    return AuthenticatedClient(*row)


@sensitive_variables("client_secret")
def client_authenticate(*, client_id: str, client_secret: str) -> AuthenticatedClient:
    """The active secret that authenticates this client, or an OAuthError (401 or 429).

    A correct secret is answered before the throttle is even read, so it is never refused;
    failures are counted per client_id and per IP, and past the limit they get 429.
    """
    client = _find_secret(client_id, client_secret)
    if client is not None:
        return client
    origin = current_origin()  # the request's, worked out only now that it failed
    wait = throttle.failure(client_id=client_id, ip=origin.ip if origin else None)
    if wait:
        raise OAuthError(
            "invalid_client",
            "Too many failed authentications. Wait before trying again.",
            429,
            Outcome.THROTTLED,
            retry_after=wait,
        )
    raise invalid_client()


def parse_scope(raw: str | None) -> list[str] | None:
    """The scopes asked for (comma- or space-separated), or None when none were."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_SCOPE_LENGTH:
        raise OAuthError(
            "invalid_scope", "The scope list is too long.", outcome=Outcome.INVALID_SCOPE
        )
    items = SCOPE_SEPARATOR.split(raw.strip())
    junk = [item for item in items if not SCOPE.fullmatch(item)]
    if junk:
        shown = ", ".join(repr(item) for item in junk[:5])
        raise OAuthError(
            "invalid_scope",
            f"Not a scope: {shown}. Scopes look like accounts:read, separated by commas.",
            outcome=Outcome.INVALID_SCOPE,
        )
    return list(dict.fromkeys(items))


def scopes_for(*, client: AuthenticatedClient, asked: list[str] | None) -> list[str]:
    allowed = app_selectors.scopes_allowed(
        app_type=client.app_type, organization_id=client.organization_id
    )
    if asked is None:
        if not allowed:
            reason = (
                "This production app has no approved products yet. Request production "
                "access in Console > Products."
                if client.is_production
                else "The product catalog has no scopes."
            )
            raise OAuthError("invalid_scope", reason, outcome=Outcome.INVALID_SCOPE)
        return sorted(allowed)
    known = product_selectors.all_scopes()
    unknown = [scope for scope in asked if scope not in known]
    if unknown:
        raise OAuthError(
            "invalid_scope",
            f"Unknown scope: {', '.join(unknown[:5])}.",
            outcome=Outcome.INVALID_SCOPE,
        )
    refused = [scope for scope in asked if scope not in allowed]
    if refused:
        raise OAuthError(
            "invalid_scope",
            f"This app may not ask for: {', '.join(refused[:5])}. Production apps get the "
            "scopes of the products whose production access is approved.",
            outcome=Outcome.INVALID_SCOPE,
        )
    return asked


GRANT_TYPES = ("client_credentials", "authorization_code")


def token_issue(
    *,
    client: AuthenticatedClient,
    grant_type: str | None,
    scope: str | None,
    code: str | None = None,
) -> dict:
    """An access token for an authenticated client: the body of the 200 answer. A client
    token (client_credentials) is the app's own; a user access token (authorization_code)
    is for the user a code was granted for, with the scopes granted, and names the user as
    its `sub`."""
    if grant_type == "authorization_code":
        grant = sandbox_services.authorization_code_exchange(app_id=client.app_pk, code=code or "")
        if grant is None:
            raise OAuthError(
                "invalid_grant",
                "The code is unknown, expired, already used, or was granted to another app.",
            )
        # The app's allowed scopes may have shrunk since the grant: the token keeps what is
        # still allowed.
        allowed = app_selectors.scopes_allowed(
            app_type=client.app_type, organization_id=client.organization_id
        )
        return _token(
            client, subject=grant.user.user_id, scopes=[s for s in grant.scopes if s in allowed]
        )
    if grant_type != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type",
            "grant_type is client_credentials or authorization_code.",
            outcome=Outcome.UNSUPPORTED_GRANT_TYPE,
        )
    granted = scopes_for(client=client, asked=parse_scope(scope))
    return _token(client, subject=client.client_id, scopes=granted)


def _token(client: AuthenticatedClient, *, subject: str, scopes: list[str]) -> dict:
    granted = scopes
    now = int(time.time())
    claims = {
        "iss": settings.CONSOLE_TOKEN_ISSUER,
        "sub": subject,
        "client_id": client.client_id,
        "scope": " ".join(granted),
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
        "jti": uuid.uuid4().hex,
        # The secret that vouches for the token: revoking it ends the token (token_verify).
        "sid": client.secret_pk,
    }
    return {
        "access_token": keys.encode(claims),
        "token_type": "bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS,
        "scope": ",".join(granted),
    }


@sensitive_variables("client_secret")
def token_request(
    *,
    client_id: str,
    client_secret: str,
    grant_type: str | None,
    scope: str | None,
    code: str | None = None,
) -> dict:
    """Authenticate the client and issue its token, counting the request by its outcome."""
    client = None
    try:
        client = client_authenticate(client_id=client_id, client_secret=client_secret)
        body = token_issue(client=client, grant_type=grant_type, scope=scope, code=code)
    except OAuthError as error:
        token_refused(
            client_id=client_id, outcome=error.outcome, app_id=client.app_pk if client else None
        )
        raise
    usage.record(app_id=client.app_pk, secret_pk=client.secret_pk, outcome=Outcome.ISSUED)
    return body


def token_refused(*, client_id: str | None, outcome: str, app_id: int | None = None) -> None:
    """Count a refused token request against the app it named, when it named one."""
    if app_id is None and client_id:
        app_id = app_id_for(client_id)
    if app_id is not None:
        usage.record(app_id=app_id, outcome=outcome)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class VerifiedToken:
    claims: dict
    secret: app_selectors.ValidSecret

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(str(self.claims.get("scope", "")).split())

    @property
    def user_id(self) -> str | None:
        """The user a user access token is for; None for a client token (the app's own)."""
        subject = self.claims.get("sub")
        return None if subject == self.secret.client_id else subject


def token_verify(*, token: str) -> VerifiedToken | None:
    """The bearer token's claims and the secret behind it, or None if it isn't to be honoured.

    The one check for introspection and every resource endpoint: the signature is one of our
    keys', the token has not expired, and its `sid` names a secret that is still valid
    (apps.selectors.client_secret_valid, cached for CONSOLE_TOKEN_SECRET_CACHE_SECONDS) and is
    the secret of the token's own client. A token without a sid is refused.
    """
    claims = keys.decode(token) if token else None
    if not claims or not _is_int(claims.get("exp")) or claims["exp"] <= time.time():
        return None
    sid = claims.get("sid")
    if not _is_int(sid) or not 0 < sid <= MAX_ID:  # outside it names no secret, no query
        return None
    secret = app_selectors.client_secret_valid(secret_pk=sid)
    if secret is None or claims.get("client_id") != secret.client_id:
        return None
    subject = claims.get("sub")
    if subject != secret.client_id and not (
        isinstance(subject, str) and USER_ID.fullmatch(subject)
    ):
        return None
    return VerifiedToken(claims=claims, secret=secret)


def token_introspect(*, caller: AuthenticatedClient, token: str) -> dict:
    """RFC 7662: whether a token is active, for a client of the same organization."""
    verified = token_verify(token=token)
    if verified is None or verified.secret.organization_id != caller.organization_id:
        return {"active": False}
    claims = verified.claims
    return {
        "active": True,
        "scope": claims.get("scope", ""),
        "client_id": claims.get("client_id"),
        "sub": claims.get("sub"),
        "token_type": "bearer",
        "iss": claims.get("iss"),
        "iat": claims.get("iat"),
        "exp": claims.get("exp"),
        "jti": claims.get("jti"),
    }
