"""Hypothesis throws arbitrary query strings at GET /data/v2/accounts and GET /data/v2/transactions:
the known parameters with good, odd and junk values, repeated ones, unknown ones, percent-escapes
that are not UTF-8, raw Latin-1 bytes, values past any limit; with the user's access token most of
the time, else the app's client token, junk, or none.

The answer is always JSON and never a server error nor a cookie: 200, or a 400 that says what is
wrong, or 401/403 for the token. A 200 honours the filters it was given (accounts, booked dates,
page size).

The user's token, its page tokens and account ids appear in the generated query strings as
stand-ins, swapped in when the request is sent, so a failing example never shows them.
"""

import json
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, quote_plus

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from sandbox import demo_bank
from sandbox.models import EndUser
from tests.api.conftest import Hidden
from tests.api.test_data import ACCOUNTS, TODAY, TRANSACTIONS, connect
from tests.api.test_users import client_token, create_user, exchange, grant

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

USER_TOKEN, CLIENT_TOKEN = "<user token>", "<client token>"
PAGE_TOKEN, ACCOUNTS_PAGE_TOKEN = "<page token>", "<accounts page token>"
CHECKING, SAVINGS = "<checking>", "<savings>"
NAMES = ["pageSize", "pageToken", "accountIdIn", "bookedDateGte", "bookedDateLte"]
BAD_ESCAPES = ["%FF", "%C3%28", "%E2%82", "%ED%A0%80", "%", "%G1", "%%", "%0", "%00"]
TRANSACTION_KEYS = ["accountId", "amount", "dates", "descriptions", "id", "status"]
ACCOUNT_KEYS = ["balances", "dates", "id", "name", "type"]


def weighted(*options: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    slots = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(slots).flatmap(lambda strategy: strategy)


@dataclass(frozen=True)
class Pair:
    name: str
    value: str


@dataclass(frozen=True)
class Raw:
    text: str  # sent as it is: Latin-1, as a WSGI server hands the query string over


dates = st.dates(date(2025, 1, 1), date(2026, 12, 31)).map(date.isoformat)
values = weighted(
    (
        4,
        st.sampled_from(
            [CHECKING, SAVINGS, PAGE_TOKEN, ACCOUNTS_PAGE_TOKEN, "", "0", "1", "100", "101"]
        ),
    ),
    (2, st.integers(-5, 200).map(str)),
    (3, dates),
    (1, st.sampled_from(["2026-02-30", "2026-3-1", "20260301", "2026-03-01T00:00", "٢٠٢٦-٠٣-٠١"])),
    (
        2,
        st.lists(st.sampled_from([CHECKING, SAVINGS, "f" * 32, "", " ", "x"]), max_size=4).map(
            ",".join
        ),
    ),
    (1, st.sampled_from([PAGE_TOKEN + "x", "x" + PAGE_TOKEN, PAGE_TOKEN[:-1]])),
    (2, st.text(max_size=30)),
    (1, st.text(st.characters(max_codepoint=0x1F), max_size=5)),
    (1, st.integers(300, 6_000).map(lambda size: "a" * size)),
)
names = weighted((8, st.sampled_from(NAMES)), (1, st.text(max_size=12)))
pieces = weighted(
    (8, st.builds(Pair, names, values)),
    (
        1,
        st.tuples(names, st.sampled_from(BAD_ESCAPES)).map(
            lambda pair: Raw(f"{quote_plus(pair[0])}={pair[1]}")
        ),
    ),
    (1, st.binary(max_size=30).map(lambda raw: Raw(raw.decode("latin-1")))),
)


def nearly_valid(size, token, account_ids, since, until, extra) -> list:
    fields = {
        "pageSize": size,
        "pageToken": token,
        "accountIdIn": account_ids,
        "bookedDateGte": since,
        "bookedDateLte": until,
    }
    return [Pair(name, value) for name, value in fields.items() if value is not None] + extra


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Absent, a good value, or any value."""
    return weighted((3, st.none()), (2, strategy), (1, values))


nearly_valid_queries = st.builds(
    nearly_valid,
    size=maybe(st.integers(1, 100).map(str)),
    token=weighted((4, st.none()), (1, st.just(PAGE_TOKEN)), (1, values)),
    account_ids=maybe(
        st.lists(st.sampled_from([CHECKING, SAVINGS, "f" * 32]), min_size=1, max_size=3).map(
            ",".join
        )
    ),
    since=maybe(dates),
    until=maybe(dates),
    extra=weighted((5, st.just([])), (1, st.lists(pieces, max_size=2))),
)
query_strings = weighted(
    (6, nearly_valid_queries),
    (4, st.lists(pieces, max_size=6)),
    (1, st.lists(st.builds(Pair, names, values), min_size=40, max_size=60)),
    (1, st.just([Raw("&".join(["a=1"] * 1_100))])),  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
)
authorizations = weighted(
    (12, st.just(f"Bearer {USER_TOKEN}")),
    (1, st.just(f"Bearer {CLIENT_TOKEN}")),
    (
        1,
        st.sampled_from(
            ["", "Bearer", "Bearer ", "bearer " + USER_TOKEN, "Basic " + USER_TOKEN, "Bearer a.b.c"]
        ),
    ),
    (1, st.text(max_size=40).map(lambda text: "Bearer " + text)),
)


class Real:
    """What the stand-ins stand for; its repr hides them."""

    def __init__(self, stand_ins: dict[str, str]):
        self.stand_ins = stand_ins

    def __call__(self, text: str) -> str:
        for stand_in, real in self.stand_ins.items():
            text = text.replace(stand_in, real)
        return text

    def __repr__(self) -> str:
        return "Real(<hidden>)"


def encoded(pieces: list[Pair | Raw], real: Real) -> str:
    parts = []
    for piece in pieces:
        if isinstance(piece, Raw):
            parts.append(piece.text)
        else:
            parts.append(f"{quote_plus(piece.name)}={quote_plus(real(piece.value))}")
    # Latin-1 text, as the WSGI environ holds the query string's bytes (PEP 3333).
    return "&".join(parts)


@pytest.fixture
def client() -> Client:
    """A crash answers 500 rather than raising into the test, whose traceback would list the
    token among the frames' arguments."""
    return Client(raise_request_exception=False)


@pytest.fixture
def real(client, sandbox_credentials) -> Real:
    """A user of the sandbox app with the Demo Bank's two accounts, and what stands for them."""
    app_token = client_token(client, sandbox_credentials)
    user_id = create_user(client, app_token, "fuzzed").json()["user_id"]
    code = grant(client, app_token, user_id=user_id).json()["code"]
    user_token = exchange(client, sandbox_credentials, code).json()["access_token"]
    assert connect(EndUser.objects.get(user_id=user_id), demo_bank.TWO_ACCOUNTS).ok
    headers = {"Authorization": f"Bearer {user_token}"}
    accounts = client.get(ACCOUNTS, {"pageSize": "1"}, headers=headers).json()
    page = client.get(TRANSACTIONS, {"pageSize": "3"}, headers=headers).json()
    checking = accounts["accounts"][0]["id"]
    savings = client.get(
        ACCOUNTS, {"pageToken": accounts["nextPageToken"]}, headers=headers
    ).json()["accounts"][0]["id"]
    return Real(
        {
            USER_TOKEN: Hidden(user_token),
            CLIENT_TOKEN: Hidden(app_token),
            ACCOUNTS_PAGE_TOKEN: accounts["nextPageToken"],
            PAGE_TOKEN: page["nextPageToken"],
            CHECKING: checking,
            SAVINGS: savings,
        }
    )


def send(client, path: str, query: list[Pair | Raw], authorization: str, real: Real):
    extra = {"QUERY_STRING": encoded(query, real)}
    if authorization:
        extra["HTTP_AUTHORIZATION"] = real(authorization)
    return client.get(path, **extra)


def the_answer_is_json_and_a_client_error_or_a_success(response) -> dict:
    assert response.status_code in (200, 400, 401, 403), response.status_code
    assert response["Content-Type"] == "application/json"
    assert not response.has_header("Set-Cookie")
    answer = json.loads(response.content)
    if response.status_code != 200:
        assert sorted(answer) == ["errorCode", "errorMessage"]
        assert answer["errorMessage"]
    event(f"{response.status_code} {answer.get('errorCode', '')}".strip())
    return answer


def parsed(query_string: str) -> list[tuple[str, str]]:
    """The parameters as Django reads them: UTF-8 if the bytes are, else Latin-1."""
    raw = query_string.encode("latin-1")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_qsl(text, keep_blank_values=True)


def given_once(query_string: str, name: str) -> str | None:
    values = [value.strip() for key, value in parsed(query_string) if key == name]
    return values[0] if len(values) == 1 and values[0] else None


@FUZZ
@given(query=query_strings, authorization=authorizations)
def test_transactions_answer_any_query_string_with_json_never_a_server_error(
    client, real, query, authorization
):
    note(f"query: {query!r}, authorization: {authorization!r}")
    response = send(client, TRANSACTIONS, query, authorization, real)
    answer = the_answer_is_json_and_a_client_error_or_a_success(response)
    if response.status_code != 200:
        return
    sent = encoded(query, real)
    size = int(given_once(sent, "pageSize") or 100)
    assert len(answer["transactions"]) <= size
    assert isinstance(answer["nextPageToken"], str)
    since, until = given_once(sent, "bookedDateGte"), given_once(sent, "bookedDateLte")
    asked = {
        item.strip()
        for key, value in parsed(sent)
        if key == "accountIdIn"
        for item in value.split(",")
        if item.strip()
    }
    for transaction in answer["transactions"]:
        assert sorted(transaction) == TRANSACTION_KEYS
        booked = transaction["dates"]["booked"]
        assert (since or booked) <= booked <= (until or booked)
        assert booked <= TODAY.isoformat()
        assert not asked or transaction["accountId"] in asked


@FUZZ
@given(query=query_strings, authorization=authorizations)
def test_accounts_answer_any_query_string_with_json_never_a_server_error(
    client, real, query, authorization
):
    note(f"query: {query!r}, authorization: {authorization!r}")
    response = send(client, ACCOUNTS, query, authorization, real)
    answer = the_answer_is_json_and_a_client_error_or_a_success(response)
    if response.status_code != 200:
        return
    size = int(given_once(encoded(query, real), "pageSize") or 100)
    assert 0 < len(answer["accounts"]) <= min(size, 2)
    for account in answer["accounts"]:
        assert sorted(account) == ACCOUNT_KEYS
        assert account["balances"]["booked"]["amount"]["currencyCode"] == "SEK"
