"""Real OAuth 2.0 clients against a real server: Authlib gets tokens, PyJWT verifies them.

Neither library shares code with Console, so a token that Authlib obtains and PyJWT verifies
with the published JWKS is one that any standard client and resource server would accept.
Every request goes over HTTP to pytest-django's live server.
"""

import base64
import time
from types import SimpleNamespace
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings

from api import keys
from api import services as api_services
from tests.api.conftest import INTROSPECT_PATH, JWKS_PATH, TOKEN_PATH, Credentials, Hidden

AUTH_METHODS = ["client_secret_post", "client_secret_basic"]
ASKED = ["accounts:read", "transactions:read"]
# Introspection answers with these; the token also carries `sid` (its secret's id), which
# stays inside the JWT.
CLAIMS = ["iss", "sub", "client_id", "scope", "iat", "exp", "jti"]


@pytest.fixture
def urls(live_server) -> SimpleNamespace:
    return SimpleNamespace(
        token=live_server.url + TOKEN_PATH,
        introspect=live_server.url + INTROSPECT_PATH,
        jwks=live_server.url + JWKS_PATH,
    )


class OAuthClient:
    """An Authlib session for one app, which keeps the raw token responses it received."""

    def __init__(self, credentials: Credentials, method: str, urls: SimpleNamespace):
        self.urls = urls
        self.responses: list[requests.Response] = []
        self.session = OAuth2Session(
            credentials.client_id,
            credentials.secret,
            token_endpoint_auth_method=method,
        )
        self.session.register_compliance_hook("access_token_response", self._keep)
        # One connection per request: a kept-alive one holds a live server thread, and its
        # share of the test's database connection, until it is closed.
        self.session.headers["Connection"] = "close"

    def _keep(self, response: requests.Response) -> requests.Response:
        self.responses.append(response)
        return response

    def fetch(self, scope: list[str] | None = ASKED) -> dict:
        """The token response; its access_token is Hidden, so no failure ever prints it."""
        extra = {"scope": " ".join(scope)} if scope else {}
        try:
            token = self.session.fetch_token(
                self.urls.token, grant_type="client_credentials", **extra
            )
        finally:
            self._hang_up()
        return {**token, "access_token": Hidden(token["access_token"])}

    def introspect(self, token: str) -> requests.Response:
        try:
            return self.session.introspect_token(self.urls.introspect, token=token)
        finally:
            self._hang_up()

    def _hang_up(self) -> None:
        # The server hangs up after answering "Connection: close" without saying so in its
        # answer, so the session would offer the dead connection to the next request.
        self.session.close()


@pytest.fixture(params=AUTH_METHODS)
def oauth(request, sandbox_credentials, urls) -> OAuthClient:
    return OAuthClient(sandbox_credentials, request.param, urls)


def verify(token: str, jwks_url: str) -> dict:
    """The claims, verified by PyJWT with the key the JWKS publishes under the token's kid."""
    signing_key = jwt.PyJWKClient(jwks_url, cache_jwk_set=False).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["EdDSA"],
        issuer=settings.CONSOLE_TOKEN_ISSUER,
        options={"require": [*CLAIMS, "sid"]},
    )


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def tampered(token: str) -> Hidden:
    """The same token with one byte of its signature changed."""
    head, claims, signature = token.split(".")
    raw = bytearray(keys.b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return Hidden(f"{head}.{claims}.{keys.b64url(bytes(raw))}")


def test_authlib_gets_a_bearer_token_for_30_minutes_with_the_scopes_asked(oauth):
    token = oauth.fetch()

    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 1800
    assert token["scope"] == ",".join(ASKED)


def test_each_auth_method_sends_the_secret_where_rfc_6749_puts_it(oauth):
    oauth.fetch()

    (response,) = oauth.responses
    form = parse_qs(response.request.body)
    secret_in_form = "client_secret" in form
    basic = response.request.headers.get("Authorization", "").startswith("Basic ")
    if oauth.session.token_endpoint_auth_method == "client_secret_basic":
        assert (basic, secret_in_form) == (True, False)
    else:
        assert (basic, secret_in_form) == (False, True)
    assert response.status_code == 200


def test_the_token_answer_is_not_cached_and_sets_no_cookie(oauth):
    oauth.fetch()

    (response,) = oauth.responses
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert not oauth.session.cookies


def test_no_csrf_token_or_session_is_needed(sandbox_credentials, urls):
    """A bare POST from a fresh connection, with no cookie and no CSRF token, gets a token."""
    response = requests.post(
        urls.token,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox_credentials.client_id,
            "client_secret": sandbox_credentials.secret,
        },
        headers={"Connection": "close"},
        timeout=10,
    )

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_pyjwt_verifies_the_token_with_the_published_jwks(oauth, sandbox_credentials, urls):
    token = oauth.fetch()

    claims = verify(token["access_token"], urls.jwks)

    assert claims["iss"] == settings.CONSOLE_TOKEN_ISSUER
    assert claims["sub"] == sandbox_credentials.client_id
    assert claims["client_id"] == sandbox_credentials.client_id
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["scope"] == " ".join(ASKED)
    assert claims["sid"] == sandbox_credentials.app.secrets.get().pk
    assert jwt.get_unverified_header(token["access_token"])["alg"] == "EdDSA"


def test_every_token_has_its_own_jti(oauth, urls):
    first = verify(oauth.fetch()["access_token"], urls.jwks)
    second = verify(oauth.fetch()["access_token"], urls.jwks)

    assert first["jti"] != second["jti"]


def test_without_a_scope_a_sandbox_app_gets_every_catalog_scope(oauth, catalog, urls):
    token = oauth.fetch(scope=None)

    assert set(token["scope"].split(",")) == catalog
    assert set(verify(token["access_token"], urls.jwks)["scope"].split(" ")) == catalog


def test_introspection_says_active_with_the_claims_of_the_token(oauth, urls):
    token = oauth.fetch()["access_token"]
    claims = verify(token, urls.jwks)

    response = oauth.introspect(token)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    answer = response.json()
    assert answer["active"] is True
    assert answer["token_type"] == "bearer"
    assert {name: answer[name] for name in CLAIMS} == {name: claims[name] for name in CLAIMS}
    assert "sid" not in answer


def test_a_token_with_one_signature_byte_changed_is_rejected(oauth, urls):
    forged = tampered(oauth.fetch()["access_token"])

    with pytest.raises(jwt.InvalidSignatureError):
        verify(forged, urls.jwks)
    assert oauth.introspect(forged).json() == {"active": False}


def test_a_token_is_inactive_once_its_30_minutes_are_over(oauth, urls, monkeypatch):
    token = oauth.fetch()["access_token"]
    issued_at = verify(token, urls.jwks)["iat"]

    def server_clock_at(seconds_later: int) -> None:
        # The live server runs in this process: its clock is api.services.time.
        monkeypatch.setattr(
            api_services, "time", SimpleNamespace(time=lambda: issued_at + seconds_later)
        )

    server_clock_at(1799)
    assert oauth.introspect(token).json()["active"] is True
    server_clock_at(1800)
    assert oauth.introspect(token).json() == {"active": False}


def test_pyjwt_refuses_an_expired_token_signed_with_our_key(oauth, sandbox_credentials, urls):
    now = int(time.time())
    expired = Hidden(
        keys.encode(
            {
                "iss": settings.CONSOLE_TOKEN_ISSUER,
                "sub": sandbox_credentials.client_id,
                "client_id": sandbox_credentials.client_id,
                "scope": "accounts:read",
                "iat": now - 3600,
                "exp": now - 1800,
                "jti": "0" * 32,
                "sid": sandbox_credentials.app.secrets.get().pk,  # valid: only the time is off
            }
        )
    )

    with pytest.raises(jwt.ExpiredSignatureError):
        verify(expired, urls.jwks)
    assert oauth.introspect(expired).json() == {"active": False}


def test_a_refused_client_gets_json_and_no_cookie_either(sandbox_credentials, urls):
    wrong = base64.b64encode(f"{sandbox_credentials.client_id}:nope".encode()).decode()
    response = requests.post(
        urls.token,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {wrong}", "Connection": "close"},
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_the_jwks_publishes_ed25519_keys_that_pyjwt_loads(urls):
    response = requests.get(urls.jwks, headers={"Connection": "close"}, timeout=10)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    (published,) = response.json()["keys"]
    key = jwt.PyJWK(published)
    assert (key.key_type, key.algorithm_name, key.key_id) == ("OKP", "EdDSA", published["kid"])
    assert "d" not in published  # the public half only


class TestKeyRotation:
    """CONSOLE_SIGNING_KEYS is newest first: the first signs, all are published and accepted."""

    @pytest.fixture
    def old_and_new(self, settings) -> SimpleNamespace:
        old, new = keys.new_key(), keys.new_key()
        settings.CONSOLE_SIGNING_KEYS = [old]
        return SimpleNamespace(settings=settings, old=old, new=new)

    def kids(self, urls) -> list[str]:
        response = requests.get(urls.jwks, headers={"Connection": "close"}, timeout=10)
        return [key["kid"] for key in response.json()["keys"]]

    def test_both_keys_are_published_new_one_first(self, old_and_new, urls):
        (old_kid,) = self.kids(urls)

        old_and_new.settings.CONSOLE_SIGNING_KEYS = [old_and_new.new, old_and_new.old]

        published = self.kids(urls)
        assert len(published) == 2
        assert published[1] == old_kid

    def test_a_token_signed_with_the_old_key_still_verifies_and_is_active(
        self, old_and_new, oauth, urls
    ):
        before = oauth.fetch()["access_token"]
        old_kid = kid_of(before)

        old_and_new.settings.CONSOLE_SIGNING_KEYS = [old_and_new.new, old_and_new.old]

        assert verify(before, urls.jwks)["jti"]
        assert oauth.introspect(before).json()["active"] is True
        after = oauth.fetch()["access_token"]
        assert kid_of(after) != old_kid
        assert kid_of(after) == self.kids(urls)[0]
        assert verify(after, urls.jwks)["jti"]

    def test_once_the_old_key_is_dropped_its_tokens_are_refused(self, old_and_new, oauth, urls):
        before = oauth.fetch()["access_token"]

        old_and_new.settings.CONSOLE_SIGNING_KEYS = [old_and_new.new]

        with pytest.raises(jwt.PyJWKClientError):
            verify(before, urls.jwks)
        assert oauth.introspect(before).json() == {"active": False}
