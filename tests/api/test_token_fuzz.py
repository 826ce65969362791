"""Hypothesis throws arbitrary requests at the Tink API through Django's test client.

Whatever arrives - junk form fields, repeated ones, control characters, percent-escapes that
are not UTF-8, bodies past the size limit, any Content-Type, any Authorization header, raw
bytes - the answer is a JSON client error or a success, never a server error and never a
cookie. An app's real credentials and a token it was issued appear in the generated requests
as the stand-ins <client_id>, <client_secret> and <access_token>, swapped for the real ones
only when the request is sent, so a failing example never shows them.

For a valid client, any `scope` gets either a subset of the app's allowed scopes or 400
invalid_scope. Failed authentications push answers to 429; the cache is cleared between
examples so that the properties keep meaning something (and some examples start throttled).
"""

import base64
import importlib
import json
import re
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from tests.api.conftest import (
    INTROSPECT_PATH,
    JWKS_PATH,
    TOKEN_PATH,
    Credentials,
    Hidden,
    fail_authentication_too_often,
)

# Junk client_ids become throttle cache keys; LocMemCache warns that memcached would refuse
# them. Production's cache is Redis, which takes any key.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FORM = "application/x-www-form-urlencoded"
CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN = "<client_id>", "<client_secret>", "<access_token>"
FIELDS = ["grant_type", "client_id", "client_secret", "scope", "token", "token_type_hint"]
ERRORS = {
    "invalid_request",
    "invalid_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_grant",  # grant_type=authorization_code with a code that isn't one
}
CATALOG_SCOPES = sorted(
    {
        scope
        for *_, scopes in importlib.import_module("products.migrations.0002_catalog").CATALOG
        for scope in scopes
    }
)
# Percent-escapes that decode to bytes which are not UTF-8 (or are not escapes at all).
BAD_ESCAPES = ["%FF", "%C3%28", "%E2%82", "%ED%A0%80", "%F8%88%80%80%80", "%", "%G1", "%%", "%0"]


# --- What a request is made of -------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    name: str
    value: str


@dataclass(frozen=True)
class Raw:
    data: bytes


@dataclass(frozen=True)
class Basic:
    user: str
    password: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: tuple[Pair | Raw, ...] | bytes
    content_type: str | None
    authorization: Basic | str | None
    content_length: str | None
    throttled: bool  # this IP has failed to authenticate too often already


def weighted(*options: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each drawn about in proportion to its weight (st.one_of would
    fold repeated equal strategies into one)."""
    slots = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(slots).flatmap(lambda strategy: strategy)


names = st.sampled_from(FIELDS) | st.text(max_size=20)
values = st.one_of(
    st.sampled_from(["client_credentials", "password", "", CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN]),
    st.sampled_from(CATALOG_SCOPES),
    st.text(),
    st.text(st.characters(max_codepoint=0x1F)),  # control characters, NUL among them
    st.integers(1_000, 12_000).map(lambda size: "v" * size),
)
pieces = weighted(
    (2, st.builds(Pair, names, values)),
    (
        1,
        st.tuples(names, st.sampled_from(BAD_ESCAPES)).map(
            lambda pair: Raw(f"{quote_plus(pair[0])}={pair[1]}".encode())
        ),
    ),
    (1, st.binary(max_size=40).map(Raw)),
)


def nearly_valid(grant_type, client_id, client_secret, scope, token, extra) -> tuple:
    fields = {
        "grant_type": grant_type,
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": scope,
        "token": token,
    }
    return tuple(Pair(name, value) for name, value in fields.items() if value is not None) + tuple(
        extra
    )


nearly_valid_bodies = st.builds(
    nearly_valid,
    grant_type=weighted((6, st.just("client_credentials")), (1, st.none()), (1, values)),
    client_id=weighted((6, st.just(CLIENT_ID)), (1, st.none()), (1, values)),
    client_secret=weighted((5, st.just(CLIENT_SECRET)), (2, st.none()), (1, values)),
    scope=weighted(
        (2, st.none()),
        (2, st.lists(st.sampled_from(CATALOG_SCOPES), max_size=4).map(",".join)),
        (1, values),
    ),
    token=weighted((2, st.none()), (2, st.just(ACCESS_TOKEN)), (1, values)),
    extra=weighted((5, st.just([])), (1, st.lists(pieces, max_size=3))),
)
bodies = weighted(
    (5, nearly_valid_bodies),
    (2, st.lists(pieces, max_size=10).map(tuple)),
    (1, st.lists(st.builds(Pair, names, values), min_size=19, max_size=25).map(tuple)),
    (1, st.binary(max_size=200)),
    (1, st.integers(8_000, 9_000).map(lambda size: b"a=" + b"b" * size)),
)
content_types = weighted(
    (6, st.just(FORM)),
    (
        2,
        st.sampled_from(
            [
                f"{FORM}; charset=UTF-8",
                f"{FORM};charset=utf8",
                f'{FORM}; charset="utf-8"',
                "APPLICATION/X-WWW-FORM-URLENCODED",
                f"{FORM}; charset=latin-1",
                f"{FORM}; boundary=x",
                "application/json",
                "multipart/form-data; boundary=x",
                "text/plain",
                "",
            ]
        ),
    ),
    (1, st.none()),
    (1, st.text(max_size=60)),
)
authorizations = weighted(
    (5, st.none()),
    (2, st.just(Basic(CLIENT_ID, CLIENT_SECRET))),
    (1, st.builds(Basic, st.sampled_from([CLIENT_ID, ""]) | st.text(), values)),
    (1, st.binary(max_size=60).map(lambda raw: "Basic " + base64.b64encode(raw).decode())),
    (1, st.text(max_size=60).map(lambda text: "Basic " + text)),
    (
        1,
        st.sampled_from(["Basic", "Basic ", "Bearer abc", "Digest x=1", "basic Og==", "Basic ==="]),
    ),
    (1, st.text(max_size=60)),
)
http_requests = st.builds(
    Request,
    method=weighted(
        (9, st.just("POST")), (1, st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]))
    ),
    path=weighted((5, st.just(TOKEN_PATH)), (4, st.just(INTROSPECT_PATH)), (1, st.just(JWKS_PATH))),
    body=bodies,
    content_type=content_types,
    authorization=authorizations,
    content_length=weighted((9, st.none()), (1, st.sampled_from(["", "abc", "-1", "1e3"]))),
    throttled=weighted((4, st.just(False)), (1, st.just(True))),
)


class Real:
    """What the stand-ins stand for. A plain class whose repr hides them: Hypothesis prints
    the test's fixtures too when an example fails."""

    def __init__(self, credentials: Credentials, access_token: str):
        self.stand_ins = {
            CLIENT_ID: credentials.client_id,
            CLIENT_SECRET: credentials.secret,
            ACCESS_TOKEN: Hidden(access_token),
        }

    def __call__(self, text: str) -> str:
        return self.stand_ins.get(text, text)

    def __repr__(self) -> str:
        return "Real(<hidden>)"


def encoded(body: tuple[Pair | Raw, ...] | bytes, real: Real) -> bytes:
    if isinstance(body, bytes):
        return body
    parts = []
    for piece in body:
        if isinstance(piece, Raw):
            parts.append(piece.data)
        else:
            parts.append(urlencode({piece.name: real(piece.value)}).encode())
    return b"&".join(parts)


def send(client, http: Request, real: Real):
    extra = {}
    if http.content_type is not None:
        extra["CONTENT_TYPE"] = http.content_type
    if isinstance(http.authorization, Basic):
        user = quote_plus(real(http.authorization.user))
        password = quote_plus(real(http.authorization.password))
        extra["HTTP_AUTHORIZATION"] = (
            "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        )
    elif http.authorization is not None:
        extra["HTTP_AUTHORIZATION"] = http.authorization
    if http.content_length is not None:
        extra["CONTENT_LENGTH"] = http.content_length
    body = encoded(http.body, real)
    # generic() sets CONTENT_TYPE only with a body; `extra` has the last word either way.
    return client.generic(http.method, http.path, body, **extra)


# --- Properties ----------------------------------------------------------------------------


@pytest.fixture
def client() -> Client:
    """Django's test client, answering a crash in a view with the 500 that a real client would
    get instead of raising it into the test: the traceback of a view's frames would list their
    arguments, the client secret among them. The crash is still logged (django.request), with
    its traceback but without the values."""
    return Client(raise_request_exception=False)


@pytest.fixture
def real(client, sandbox_credentials) -> Real:
    """The sandbox app's credentials and a token it was issued."""
    form = {
        "grant_type": "client_credentials",
        "client_id": sandbox_credentials.client_id,
        "client_secret": sandbox_credentials.secret,
    }
    response = client.post(TOKEN_PATH, urlencode(form), content_type=FORM)
    assert response.status_code == 200
    return Real(sandbox_credentials, json.loads(response.content)["access_token"])


@FUZZ
@given(http=http_requests)
def test_no_request_gets_a_server_error_a_non_json_answer_or_a_cookie(client, real, http):
    # Failed authentications are counted: each example starts from none, or from too many.
    cache.clear()
    if http.throttled:
        fail_authentication_too_often("127.0.0.1")  # the test client's REMOTE_ADDR

    # Schemathesis' pytest plugin blanks the arguments Hypothesis prints; a note survives.
    note(f"request: {http!r}")
    response = send(client, http, real)

    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"
    assert not response.has_header("Set-Cookie")
    assert not response.cookies
    answer = json.loads(response.content)
    event(f"{response.status_code} {answer.get('error', '')}".strip())
    if response.status_code != 200:
        assert answer["error"] in ERRORS
        assert isinstance(answer["error_description"], str)
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Basic ")
    if response.status_code == 429:
        assert int(response["Retry-After"]) >= 1
    if response.status_code == 200 and http.path == TOKEN_PATH:
        assert sorted(answer) == ["access_token", "expires_in", "scope", "token_type"]


BALANCE_CHECK_SCOPES = ["accounts:read", "balances:read", "authorization:grant", "user:create"]
scope_items = weighted(
    (3, st.sampled_from(CATALOG_SCOPES)),
    (3, st.sampled_from(BALANCE_CHECK_SCOPES)),  # all a production app below may ask for
    (1, st.sampled_from(["unknown:read", "accounts:write", "Accounts:read", "accounts", "a:b:c"])),
    (1, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=15)),
)
separators = st.sampled_from([",", ",", " ", ", ", " , ", "\t", "\n", "\u2003", ",,", ""])
scopes = weighted(
    (1, st.none()),
    (1, st.sampled_from(["", " ", ",", "\t"])),
    (3, st.lists(st.sampled_from(BALANCE_CHECK_SCOPES), min_size=1, max_size=4).map(",".join)),
    (
        3,
        st.lists(st.tuples(scope_items, separators), max_size=8).map(
            lambda items: "".join(item + separator for item, separator in items)
        ),
    ),
    (1, st.text(st.characters(codec="utf-8", exclude_characters="\x00"))),
    (1, st.integers(990, 1_010).map(lambda size: ("accounts:read," * 80)[:size])),
)


@pytest.fixture(params=["sandbox", "production"])
def app_credentials(request) -> tuple[Credentials, frozenset[str]]:
    """A sandbox app (any catalog scope) or a production app with Balance Check's scopes."""
    credentials = request.getfixturevalue(f"{request.param}_credentials")
    if request.param == "sandbox":
        return credentials, frozenset(CATALOG_SCOPES)
    return credentials, frozenset(BALANCE_CHECK_SCOPES)


@FUZZ
@given(scope=scopes)
def test_a_valid_client_gets_a_subset_of_its_allowed_scopes_or_invalid_scope(
    client, app_credentials, scope
):
    cache.clear()
    credentials, allowed = app_credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "client_secret": credentials.secret,
    }
    if scope is not None:
        form["scope"] = scope

    note(f"scope: {scope!r}")
    response = client.post(TOKEN_PATH, urlencode(form), content_type=FORM)

    answer = json.loads(response.content)
    event(f"{response.status_code} {answer.get('error', '')}".strip())
    if response.status_code != 200:
        assert (response.status_code, answer["error"]) == (400, "invalid_scope")
        return
    granted = set(answer["scope"].split(","))
    assert granted <= allowed
    asked = {item for item in re.split(r"[\s,]+", scope or "") if item}
    assert granted == (asked or allowed)


# --- Crashes the properties found ------------------------------------------------------------


@pytest.mark.parametrize("path", [TOKEN_PATH, INTROSPECT_PATH], ids=["token", "introspect"])
def test_a_basic_header_that_is_not_ascii_is_invalid_client(client, path):
    # A Latin-1 byte in the header reaches the view as a non-ASCII str, and
    # base64.b64decode raises ValueError for it, not binascii.Error.
    response = client.post(
        path, "grant_type=client_credentials", content_type=FORM, HTTP_AUTHORIZATION="Basic \x80"
    )

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "invalid_client"


@pytest.mark.parametrize("path", [TOKEN_PATH, INTROSPECT_PATH], ids=["token", "introspect"])
@pytest.mark.parametrize("client_id", ["\x80", "é" * 32], ids=["latin-1", "accents"])
def test_a_right_secret_with_a_client_id_that_is_not_ascii_is_invalid_client(
    client, sandbox_credentials, path, client_id
):
    # hmac.compare_digest raises TypeError for a str with non-ASCII characters.
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": sandbox_credentials.secret,
    }

    response = client.post(path, urlencode(form), content_type=FORM)

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "invalid_client"
