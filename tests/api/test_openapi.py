"""api/openapi.yaml describes the Tink API as it answers.

The document is checked against the OpenAPI 3.1 meta-schema and its JSON Schemas against
draft 2020-12; then Schemathesis generates requests from it (valid ones and, in its negative
mode, invalid ones; in its coverage phase also the methods the document does not list) and
sends them over HTTP to pytest-django's live server, checking each answer against the
document: no server error, a documented status code, content type, headers and body.

Generated requests carry generated credentials, which the API refuses with 401; so that the
200 answers are checked too, a second run sends valid requests with an app's real credentials
in HTTP Basic (and, for introspection, sometimes the token it was issued). Last, each answer
the document lists (429 and 413 among them, which generation rarely reaches) is provoked on
purpose and checked the same way.

Run bounded: 60 generated examples per operation and run; the whole module takes ~15 s.
"""

import base64
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import jsonschema_rs
import pytest
import requests
import schemathesis
import yaml
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from tests.api.conftest import TOKEN_PATH, Credentials, Hidden, fail_authentication_too_often

# Junk client_ids become throttle cache keys; LocMemCache warns that memcached would refuse
# them. Production's cache is Redis, which takes any key.
pytestmark = [
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

FORM = "application/x-www-form-urlencoded"
SPEC = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
OPERATIONS = {
    ("post", "/api/v1/oauth/token"),
    ("post", "/api/v1/oauth/introspect"),
    ("get", "/api/v1/oauth/jwks"),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]

# Every phase that runs under pytest: the document's examples, the coverage phase (boundary
# values, missing and extra fields, other methods) and fuzzing, valid and invalid data.
schema = schemathesis.openapi.from_path(SPEC)
schema.config.generation.update(max_examples=60, database="none")
# Invalid data must get one of the documented client errors (413: a body past 8 KiB).
schema.config.checks.negative_data_rejection.expected_statuses = [
    "400",
    "401",
    "405",
    "413",
    "415",
    "429",
]
# Valid requests from a real client: fuzzing only, since a strategy of our own (`with_token`)
# can't be combined with the examples phase.
as_a_client = schemathesis.openapi.from_path(SPEC)
as_a_client.config.generation.update(max_examples=60, database="none", modes=["positive"])
as_a_client.config.phases.update(phases=["fuzzing"])


def document() -> dict:
    return yaml.safe_load(SPEC.read_text())


def json_schemas(node, path="#"):
    """Every Schema Object in the document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                yield f"{path}/{key}", value
            elif path == "#/components" and key == "schemas":
                for name, item in value.items():
                    yield f"{path}/schemas/{name}", item
                continue
            yield from json_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from json_schemas(value, f"{path}/{index}")


# --- The document ----------------------------------------------------------------------------


def test_it_is_a_valid_openapi_3_1_document():
    spec = document()

    errors = [error.message for error in OPENAPI_31_VALIDATOR.iter_errors(spec)]

    assert errors == []
    assert spec["openapi"].startswith("3.1.")
    schema.validate()  # Schemathesis' own reading of it


def test_its_json_schemas_are_valid_draft_2020_12():
    found = dict(json_schemas(document()))

    invalid = [where for where, item in found.items() if not jsonschema_rs.meta.is_valid(item)]

    assert len(found) > 10
    assert invalid == []


def test_it_describes_the_three_endpoints_and_only_them():
    paths = document()["paths"]

    described = {(method, path) for path, item in paths.items() for method in item}

    assert described == OPERATIONS


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("post", "/api/v1/oauth/token", {"200", "400", "401", "405", "413", "415", "429"}),
        ("post", "/api/v1/oauth/introspect", {"200", "400", "401", "405", "413", "415", "429"}),
        ("get", "/api/v1/oauth/jwks", {"200", "405"}),
    ],
)
def test_every_status_the_endpoint_answers_with_is_documented(method, path, codes):
    assert set(document()["paths"][path][method]["responses"]) == codes


def test_form_fields_and_http_basic_are_alternatives():
    spec = document()

    basic = spec["components"]["securitySchemes"]["clientBasic"]
    assert (basic["type"], basic["scheme"]) == ("http", "basic")
    for path in ("/api/v1/oauth/token", "/api/v1/oauth/introspect"):
        operation = spec["paths"][path]["post"]
        assert operation["security"] == [{}, {"clientBasic": []}]
        assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]


def test_its_examples_match_their_schemas():
    spec = document()
    request = spec["paths"]["/api/v1/oauth/token"]["post"]["requestBody"]["content"]
    form = request["application/x-www-form-urlencoded"]
    validator = jsonschema_rs.validator_for(
        {**form["schema"], "components": spec["components"]},
    )

    for example in form["examples"].values():
        assert validator.is_valid(example["value"])


# --- The API against the document ------------------------------------------------------------


@pytest.fixture
def issued_token(sandbox_credentials, live_server) -> Hidden:
    response = requests.post(
        live_server.url + TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        auth=(sandbox_credentials.client_id, sandbox_credentials.secret),
        headers={"Connection": "close"},
        timeout=10,
    )
    assert response.status_code == 200
    return Hidden(response.json()["access_token"])


FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# A JWT, or what is left of one where the report shortens a long body.
JWT = re.compile(r"eyJ[\w.-]*")
CLIENT_SECRET = re.compile(r"tink_cs_\w+")


def checked(case, send: Callable[[], object], checks: list) -> object:
    """The response of send(), checked against the document with Schemathesis' checks.

    Schemathesis' report of a failure quotes the response body (and filters only headers
    and fields with telling names), so a failure is reported by its message alone, tokens and
    secrets cut out, without a traceback whose frames would show them.
    """
    report = None
    try:
        response = send()
        case.validate_response(response, checks=checks)
    except (FailureGroup, Exception) as failure:  # noqa: BLE001 - whatever it is
        report = JWT.sub("[access token]", f"{type(failure).__name__}: {failure}")
        report = CLIENT_SECRET.sub("[client secret]", report)
    if report is not None:  # raised out here, so the failure carries no chained traceback
        pytest.fail(report, pytrace=False)
    return response


def send_and_check(case, live_server, **headers) -> None:
    cache.clear()  # generated credentials fail; don't let them turn every answer into 429
    # One connection per request: a kept-alive one would outlive the test in a server thread.
    headers = {"Connection": "close", **headers}
    checked(case, lambda: case.call(base_url=live_server.url, headers=headers), CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_answers_as_documented(case, live_server):
    send_and_check(case, live_server)


def basic(credentials: Credentials) -> Hidden:
    pair = f"{quote_plus(credentials.client_id)}:{quote_plus(credentials.secret)}"
    return Hidden("Basic " + base64.b64encode(pair.encode()).decode())


@as_a_client.parametrize()
@as_a_client.given(with_token=st.booleans())
@FUZZ_SETTINGS
def test_the_api_answers_a_real_client_as_documented(
    case, with_token, live_server, sandbox_credentials, issued_token
):
    """The generated request, authenticated with the app's real credentials in HTTP Basic
    (not in the form as well: that is a 400), and when asked the token it was issued."""
    if isinstance(case.body, dict):
        case.body.pop("client_secret", None)
        case.body.pop("client_id", None)
        if with_token and "/introspect" in case.path:
            case.body["token"] = issued_token

    send_and_check(case, live_server, Authorization=basic(sandbox_credentials))


# --- Each documented answer, produced on purpose ---------------------------------------------
# Generated requests never reach 429 (the cache is cleared) and rarely 413; here every status
# the document lists is provoked once and checked against it.

RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
WRONG = {"client_id": "0" * 32, "client_secret": "tink_cs_" + "0" * 49}
GRANT = {"grant_type": "client_credentials"}
TOO_LARGE = "a=" + "b" * 9000


def provoke(kind: str, path: str, credentials: Credentials, token: str) -> dict:
    """requests.request() arguments that get the answer `kind` from `path`."""
    form = {**GRANT, "token": token} if path.endswith("introspect") else GRANT
    auth = (credentials.client_id, credentials.secret)
    return {
        "ok": {"method": "POST", "data": form, "auth": auth},
        "bad request": {
            "method": "POST",
            "data": f"{urlencode(form)}&grant_type=again",
            "auth": auth,
            "headers": {"Content-Type": FORM},
        },
        "unsupported grant": {"method": "POST", "data": {"grant_type": "password"}, "auth": auth},
        "invalid scope": {"method": "POST", "data": {**GRANT, "scope": "nope:read"}, "auth": auth},
        "wrong secret": {"method": "POST", "data": {**GRANT, **WRONG}},
        "throttled": {"method": "POST", "data": {**GRANT, **WRONG}},
        "other method": {"method": "PUT"},
        "too large": {"method": "POST", "data": TOO_LARGE, "headers": {"Content-Type": FORM}},
        "not a form": {"method": "POST", "json": form},
        "get": {"method": "GET"},
        "post": {"method": "POST", "data": form},
    }[kind]


@pytest.mark.parametrize(
    ("operation", "kind", "status"),
    [
        ("POST /api/v1/oauth/token", "ok", 200),
        ("POST /api/v1/oauth/token", "bad request", 400),
        ("POST /api/v1/oauth/token", "unsupported grant", 400),
        ("POST /api/v1/oauth/token", "invalid scope", 400),
        ("POST /api/v1/oauth/token", "wrong secret", 401),
        ("POST /api/v1/oauth/token", "other method", 405),
        ("POST /api/v1/oauth/token", "too large", 413),
        ("POST /api/v1/oauth/token", "not a form", 415),
        ("POST /api/v1/oauth/token", "throttled", 429),
        ("POST /api/v1/oauth/introspect", "ok", 200),
        ("POST /api/v1/oauth/introspect", "bad request", 400),
        ("POST /api/v1/oauth/introspect", "wrong secret", 401),
        ("POST /api/v1/oauth/introspect", "other method", 405),
        ("POST /api/v1/oauth/introspect", "too large", 413),
        ("POST /api/v1/oauth/introspect", "not a form", 415),
        ("POST /api/v1/oauth/introspect", "throttled", 429),
        ("GET /api/v1/oauth/jwks", "get", 200),
        ("GET /api/v1/oauth/jwks", "post", 405),
    ],
)
def test_each_documented_answer_is_given_as_documented(
    operation, kind, status, live_server, sandbox_credentials, issued_token
):
    method, path = operation.split(" ")
    if kind == "throttled":
        fail_authentication_too_often("127.0.0.1")  # the live server sees the loopback address
    case = schema[path][method].Case()
    arguments = provoke(kind, path, sandbox_credentials, issued_token)
    arguments["headers"] = {"Connection": "close", **arguments.get("headers", {})}

    response = checked(
        case,
        lambda: requests.request(url=live_server.url + path, timeout=10, **arguments),
        RESPONSE_CHECKS,
    )

    assert response.status_code == status
