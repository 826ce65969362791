"""Hypothesis throws arbitrary requests at POST /api/v1/user/create and
POST /api/v1/oauth/authorization-grant: any body, any Content-Type, any Authorization header,
the app's real client token or a user token or none. The answer is always JSON and never a
server error; a user is created only by a valid body with a token carrying user:create, and a
code only for a user of the token's own app.

The real tokens appear in the generated requests as stand-ins, swapped in when the request is
sent, so a failing example never shows them.
"""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.models import EndUser
from tests.api.test_users import client_token, create_user, exchange, grant

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLIENT_TOKEN, USER_TOKEN = "<client token>", "<user token>"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
user_fields = st.fixed_dictionaries(
    {},
    optional={
        "external_user_id": st.one_of(st.text(max_size=300), json_values),
        "market": st.one_of(st.sampled_from(["SE", "GB", "DE", "se", "XX", ""]), json_values),
        "locale": st.one_of(st.sampled_from(["sv_SE", "en_GB", "de_DE", "en", ""]), json_values),
        "extra": json_values,
    },
)
bodies = st.one_of(
    user_fields.map(lambda fields: json.dumps(fields).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)
authorizations = st.one_of(
    st.sampled_from([f"Bearer {CLIENT_TOKEN}", f"Bearer {USER_TOKEN}", "Bearer", "Basic abc", ""]),
    st.text(max_size=60).map(lambda text: f"Bearer {text}"),
)
FORM = "application/x-www-form-urlencoded"
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "", FORM]
)


@pytest.fixture
def tokens(sandbox_credentials) -> dict[str, str]:
    client = Client()
    token = client_token(client, sandbox_credentials)
    user_id = create_user(client, token, "fuzz-known").json()["user_id"]
    code = grant(client, token, user_id=user_id, scope="accounts:read").json()["code"]
    user_token = exchange(client, sandbox_credentials, code).json()["access_token"]
    return {CLIENT_TOKEN: token, USER_TOKEN: user_token, "user_id": user_id}


def _send(client, path, body: bytes, content_type: str, authorization: str, tokens):
    for stand_in in (CLIENT_TOKEN, USER_TOKEN):
        authorization = authorization.replace(stand_in, tokens[stand_in])
    headers = {"Authorization": authorization} if authorization else {}
    return client.generic("POST", path, body, content_type=content_type, headers=headers)


@FUZZ
@given(body=bodies, content_type=content_types, authorization=authorizations)
def test_user_create_answers_json_and_never_a_server_error(
    tokens, body, content_type, authorization
):
    before = EndUser.objects.count()
    response = _send(Client(), "/api/v1/user/create", body, content_type, authorization, tokens)
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    created = EndUser.objects.count() - before
    if response.status_code == 200:
        assert set(answer) == {"user_id", "external_user_id"} and created == 1
        assert authorization == f"Bearer {CLIENT_TOKEN}"
        EndUser.objects.filter(user_id=answer["user_id"]).delete()  # keep names reusable
    else:
        assert set(answer) == {"errorCode", "errorMessage"} and created == 0


grant_fields = st.dictionaries(
    st.sampled_from(["user_id", "external_user_id", "scope", "other"]),
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(["<user_id>", "fuzz-known", "accounts:read", "accounts:read,user:create"]),
    ),
    max_size=4,
)


@FUZZ
@given(
    fields=grant_fields,
    raw=st.binary(max_size=100),
    use_raw=st.booleans(),
    content_type=content_types,
    authorization=authorizations,
)
def test_authorization_grant_answers_json_and_never_a_server_error(
    tokens, fields, raw, use_raw, content_type, authorization
):
    fields = {name: value.replace("<user_id>", tokens["user_id"]) for name, value in fields.items()}
    body = raw if use_raw else urlencode(fields).encode()
    response = _send(
        Client(), "/api/v1/oauth/authorization-grant", body, content_type, authorization, tokens
    )
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    if response.status_code == 200:
        assert set(answer) == {"code"}
        assert authorization == f"Bearer {CLIENT_TOKEN}" and content_type.startswith(FORM)
    else:
        assert {"error", "error_description"} <= set(answer)
