"""The Demo Bank and the data API (issue 15): a user created through the API connects one of
the Demo Bank's test users (sandbox.demo_bank.connect, what Tink Link calls), and the app reads
the accounts and transactions at GET /data/v2/accounts and GET /data/v2/transactions with a
user access token.

The data is generated deterministically per user and test user; connecting again replaces it.
Transactions are paged by a signed keyset cursor.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import data, keys
from sandbox import demo_bank
from sandbox.models import Account, BankConnection, EndUser, Transaction
from tests.api.conftest import Hidden
from tests.api.test_users import client_token, create_user, exchange, grant

pytestmark = pytest.mark.django_db

ACCOUNTS = "/data/v2/accounts"
TRANSACTIONS = "/data/v2/transactions"
TODAY = date(2026, 3, 16)
CURRENCY = {"SE": "SEK", "GB": "GBP", "DE": "EUR"}


def scenario_user(market: str, scenario: str) -> demo_bank.TestUser:
    (found,) = [u for u in demo_bank.test_users(market) if u.scenario == scenario]
    return found


def connect(user: EndUser, scenario: str = demo_bank.TWO_ACCOUNTS, **kwargs):
    test_user = scenario_user(user.market, scenario)
    fields = {
        "username": test_user.username,
        "password": test_user.password,
        "code": test_user.code or None,
        "today": TODAY,
    }
    return demo_bank.connect(user=user, **{**fields, **kwargs})


def get(client, path: str, token: str | None, params=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, params or {}, headers=headers)


def every_transaction(client, token: str, params=None) -> list[dict]:
    """All pages of a query, following nextPageToken."""
    found, page_token = [], ""
    for _ in range(1000):
        query = {**(params or {}), **({"pageToken": page_token} if page_token else {})}
        response = get(client, TRANSACTIONS, token, query)
        assert response.status_code == 200, response.json()
        body = response.json()
        found += body["transactions"]
        page_token = body["nextPageToken"]
        if not page_token:
            return found
    raise AssertionError("the pages never end")


def nothing_written() -> bool:
    return not (
        BankConnection.objects.exists() or Account.objects.exists() or Transaction.objects.exists()
    )


@pytest.fixture
def app_token(client, sandbox_credentials) -> Hidden:
    return client_token(client, sandbox_credentials)


@pytest.fixture
def make_end_user(client, app_token):
    def make(external_user_id: str = "customer-1", market: str = "SE") -> EndUser:
        locale = {"SE": "sv_SE", "GB": "en_GB", "DE": "de_DE"}[market]
        response = create_user(client, app_token, external_user_id, market=market, locale=locale)
        assert response.status_code == 200
        return EndUser.objects.get(user_id=response.json()["user_id"])

    return make


@pytest.fixture
def end_user(make_end_user) -> EndUser:
    return make_end_user()


@pytest.fixture
def token_for(client, app_token, sandbox_credentials):
    """A user access token for `user` with `scope`, the way an app gets one."""

    def make(user: EndUser, scope: str = "accounts:read,transactions:read") -> Hidden:
        code = grant(client, app_token, user_id=user.user_id, scope=scope).json()["code"]
        response = exchange(client, sandbox_credentials, code)
        assert response.status_code == 200
        return Hidden(response.json()["access_token"])

    return make


@pytest.fixture
def token(end_user, token_for) -> Hidden:
    return token_for(end_user)


# --- The Demo Bank's test users ------------------------------------------------------------------


def test_each_market_lists_the_five_scenarios_with_credentials_and_a_description():
    for market in ("SE", "GB", "DE"):
        users = demo_bank.test_users(market)
        assert {user.scenario for user in users} == {
            demo_bank.TWO_ACCOUNTS,
            demo_bank.REFUSED,
            demo_bank.SECOND_FACTOR_NEEDED,
            demo_bank.NO_TRANSACTIONS,
            demo_bank.BENCHMARK,
        }
        for user in users:
            assert user.market == market and user.username and user.password
            assert user.description.endswith(".")
            assert demo_bank.find(market, user.username) == user
    assert "refuses" in scenario_user("SE", demo_bank.REFUSED).description
    second_factor = scenario_user("GB", demo_bank.SECOND_FACTOR_NEEDED)
    assert second_factor.code == "123456" and "123456" in second_factor.description
    assert len(demo_bank.test_users()) == 15
    assert demo_bank.test_users("FR") == ()
    assert len({user.username for user in demo_bank.test_users()}) == 15


# --- Connecting -----------------------------------------------------------------------------------


def test_the_two_accounts_user_gets_a_checking_and_a_savings_account_with_90_days(
    client, end_user, token
):
    result = connect(end_user)
    assert (result.outcome, result.ok, result.accounts) == (demo_bank.OK, True, 2)
    accounts = get(client, ACCOUNTS, token).json()
    transactions = every_transaction(client, token)

    assert [a["type"] for a in accounts["accounts"]] == ["CHECKING", "SAVINGS"]
    assert [a["name"] for a in accounts["accounts"]] == ["Lönekonto", "Sparkonto"]
    assert accounts["nextPageToken"] == ""
    assert len(transactions) == result.transactions > 90
    dates = {date.fromisoformat(t["dates"]["booked"]) for t in transactions}
    assert min(dates) >= TODAY - timedelta(days=89) and max(dates) <= TODAY
    assert {t["amount"]["currencyCode"] for t in transactions} == {"SEK"}
    checking, savings = (a["id"] for a in accounts["accounts"])
    per_account = Counter(t["accountId"] for t in transactions)
    assert set(per_account) == {checking, savings} and per_account[checking] > per_account[savings]
    displays = {t["descriptions"]["display"] for t in transactions}
    assert {"Acme AB", "HSB", "Transfer to savings", "Transfer from checking"} <= displays
    # Every month's transfer leaves checking and arrives in savings.
    moved_out = sorted(
        -int(t["amount"]["value"]["unscaledValue"])
        for t in transactions
        if t["descriptions"]["display"] == "Transfer to savings"
    )
    moved_in = sorted(
        int(t["amount"]["value"]["unscaledValue"])
        for t in transactions
        if t["descriptions"]["display"] == "Transfer from checking"
    )
    assert moved_out == moved_in and len(moved_in) == 3


def test_an_account_answers_in_tinks_shape(client, end_user, token):
    connect(end_user)
    body = get(client, ACCOUNTS, token).json()
    account = body["accounts"][0]
    stored = Account.objects.get(account_id=account["id"])

    assert sorted(body) == ["accounts", "nextPageToken"]
    assert account == {
        "id": stored.account_id,
        "name": "Lönekonto",
        "type": "CHECKING",
        "balances": {
            "booked": {
                "amount": {
                    "currencyCode": "SEK",
                    "value": {"scale": "2", "unscaledValue": str(stored.booked_balance)},
                }
            },
            "available": {
                "amount": {
                    "currencyCode": "SEK",
                    "value": {"scale": "2", "unscaledValue": str(stored.available_balance)},
                }
            },
        },
        "dates": {"lastRefreshed": stored.last_refreshed.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }
    assert stored.available_balance < stored.booked_balance  # card payments not yet booked


def test_a_transaction_answers_in_tinks_shape(client, end_user, token):
    connect(end_user)
    body = get(client, TRANSACTIONS, token, {"pageSize": "1"}).json()
    (transaction,) = body["transactions"]
    stored = Transaction.objects.select_related("account").get(transaction_id=transaction["id"])

    assert sorted(body) == ["nextPageToken", "transactions"] and body["nextPageToken"]
    assert transaction == {
        "id": stored.transaction_id,
        "accountId": stored.account.account_id,
        "amount": {
            "currencyCode": "SEK",
            "value": {"scale": "2", "unscaledValue": str(stored.amount)},
        },
        "descriptions": {
            "original": stored.description_original,
            "display": stored.description_display,
        },
        "dates": {
            "booked": stored.booked_date.isoformat(),
            "value": stored.booked_date.isoformat(),
        },
        "status": "BOOKED",
    }
    assert stored.booked_date == TODAY  # the newest first


@pytest.mark.parametrize("market", ["SE", "GB", "DE"])
def test_each_market_answers_in_its_currency(client, make_end_user, token_for, market):
    user = make_end_user(market=market)
    assert connect(user).ok
    token = token_for(user)
    accounts = get(client, ACCOUNTS, token).json()["accounts"]
    transactions = get(client, TRANSACTIONS, token).json()["transactions"]
    currencies = {a["balances"]["booked"]["amount"]["currencyCode"] for a in accounts}
    assert currencies | {t["amount"]["currencyCode"] for t in transactions} == {CURRENCY[market]}


def test_the_data_is_the_same_for_the_same_user_and_differs_for_another(make_end_user):
    bank, test_user = demo_bank.BANKS["SE"], scenario_user("SE", demo_bank.TWO_ACCOUNTS)
    first = demo_bank.statement(user_id="a" * 32, bank=bank, test_user=test_user)
    again = demo_bank.statement(user_id="a" * 32, bank=bank, test_user=test_user)
    other = demo_bank.statement(user_id="b" * 32, bank=bank, test_user=test_user)
    assert first == again
    assert {a.account_id for a in first}.isdisjoint(a.account_id for a in other)
    assert [t.amount for t in first[0].transactions] != [t.amount for t in other[0].transactions]


def stored(user: EndUser) -> list[tuple]:
    return sorted(
        Transaction.objects.filter(user=user).values_list(
            "transaction_id", "account__account_id", "booked_date", "amount", "description_original"
        )
    )


def test_connecting_again_refreshes_with_the_same_data_not_a_second_copy(end_user):
    first = connect(end_user)
    before, accounts_before = stored(end_user), sorted(Account.objects.values_list("account_id"))
    connected_at = BankConnection.objects.get().connected_at
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        again = connect(end_user)

    connection = BankConnection.objects.get()
    assert again.ok and (again.accounts, again.transactions) == (first.accounts, first.transactions)
    assert stored(end_user) == before and len(before) == first.transactions
    assert sorted(Account.objects.values_list("account_id")) == accounts_before
    assert connection.connected_at == connected_at
    assert connection.last_refreshed_at > connected_at


def test_connecting_another_test_user_of_the_same_bank_replaces_the_data(client, end_user, token):
    connect(end_user)
    result = connect(end_user, demo_bank.NO_TRANSACTIONS)
    accounts = get(client, ACCOUNTS, token).json()["accounts"]
    transactions = get(client, TRANSACTIONS, token).json()

    assert (result.accounts, result.transactions) == (1, 0)
    assert BankConnection.objects.get().username.endswith("000004")
    assert len(accounts) == 1 and accounts[0]["type"] == "CHECKING"
    assert transactions == {"transactions": [], "nextPageToken": ""}
    assert Transaction.objects.count() == 0


def test_the_data_is_written_for_the_one_user_only(make_end_user):
    mine, theirs = make_end_user("mine"), make_end_user("theirs")
    connect(mine)
    connect(theirs)
    connect(mine)  # refreshing mine leaves theirs alone
    assert Transaction.objects.filter(user=theirs).count() == connect(theirs).transactions > 0
    assert not set(stored(mine)) & set(stored(theirs))


@pytest.mark.parametrize(
    ("scenario", "fields", "outcome"),
    [
        (demo_bank.REFUSED, {}, demo_bank.LOGIN_FAILS),  # the listed credentials
        (demo_bank.REFUSED, {"password": "wrong"}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"password": "wrong"}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"password": ""}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"password": None}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"username": "u00000000"}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"username": "u44000001"}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.TWO_ACCOUNTS, {"market": "FR"}, demo_bank.WRONG_CREDENTIALS),
        (demo_bank.SECOND_FACTOR_NEEDED, {"code": None}, demo_bank.SECOND_FACTOR),
        (demo_bank.SECOND_FACTOR_NEEDED, {"code": "000000"}, demo_bank.WRONG_CODE),
        (demo_bank.SECOND_FACTOR_NEEDED, {"code": ""}, demo_bank.WRONG_CODE),
        (demo_bank.SECOND_FACTOR_NEEDED, {"password": None, "code": None}, "wrong_credentials"),
        (demo_bank.SECOND_FACTOR_NEEDED, {"password": "x"}, demo_bank.WRONG_CREDENTIALS),
    ],
)
def test_a_connection_that_fails_says_why_and_writes_nothing(end_user, scenario, fields, outcome):
    result = connect(end_user, scenario, **fields)
    assert (result.outcome, result.ok, result.connection) == (outcome, False, None)
    assert result.message == demo_bank.MESSAGES[outcome]
    assert nothing_written()


def test_the_second_factor_user_connects_with_its_code(end_user):
    asked = connect(end_user, demo_bank.SECOND_FACTOR_NEEDED, code=None)
    # Tink Link's second step: the password was checked by the first one.
    result = connect(end_user, demo_bank.SECOND_FACTOR_NEEDED, password=None, code="123456")
    assert asked.outcome == demo_bank.SECOND_FACTOR
    assert result.ok and (result.accounts, Transaction.objects.count()) == (
        1,
        result.transactions,
    )


def test_a_user_deleted_meanwhile_gets_nothing_written(end_user):
    EndUser.objects.filter(pk=end_user.pk).delete()
    result = connect(end_user)
    assert result.outcome == demo_bank.USER_GONE and nothing_written()


def test_deleting_the_user_deletes_its_data(end_user):
    connect(end_user)
    end_user.delete()
    assert nothing_written()


# --- Filters --------------------------------------------------------------------------------------


@pytest.fixture
def connected(client, end_user, token) -> tuple[Hidden, list[str], list[dict]]:
    """The two accounts user connected: the token, the account ids, every transaction."""
    connect(end_user)
    ids = [a["id"] for a in get(client, ACCOUNTS, token).json()["accounts"]]
    return token, ids, every_transaction(client, token)


def test_account_id_in_keeps_those_accounts_repeated_or_comma_separated(client, connected):
    token, (checking, savings), everything = connected
    only_savings = every_transaction(client, token, {"accountIdIn": savings})
    comma = every_transaction(client, token, {"accountIdIn": f"{checking},{savings}"})
    repeated = every_transaction(client, token, {"accountIdIn": [checking, savings]})
    nobodys = every_transaction(client, token, {"accountIdIn": "f" * 32})

    assert only_savings == [t for t in everything if t["accountId"] == savings]
    assert comma == repeated == everything
    assert nobodys == []


def test_booked_date_bounds_are_inclusive(client, connected):
    token, _, everything = connected
    since, until = TODAY - timedelta(days=40), TODAY - timedelta(days=10)
    window = every_transaction(
        client,
        token,
        {"bookedDateGte": since.isoformat(), "bookedDateLte": until.isoformat(), "pageSize": "7"},
    )
    expected = [
        t for t in everything if since.isoformat() <= t["dates"]["booked"] <= until.isoformat()
    ]
    assert window == expected and len(expected) > 7


def test_the_pages_are_newest_first_and_filters_combine_with_paging(client, connected):
    token, (checking, _), everything = connected
    booked = [t["dates"]["booked"] for t in everything]
    assert booked == sorted(booked, reverse=True)
    paged = every_transaction(
        client, token, {"accountIdIn": checking, "bookedDateGte": "2026-02-01", "pageSize": "3"}
    )
    assert paged == [
        t for t in everything if t["accountId"] == checking and t["dates"]["booked"] >= "2026-02-01"
    ]


def test_the_accounts_page_too(client, connected):
    token, ids, _ = connected
    first = get(client, ACCOUNTS, token, {"pageSize": "1"}).json()
    second = get(
        client, ACCOUNTS, token, {"pageSize": "1", "pageToken": first["nextPageToken"]}
    ).json()
    assert [a["id"] for a in first["accounts"] + second["accounts"]] == ids
    assert first["nextPageToken"] and second["nextPageToken"] == ""


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "0"},
        {"pageSize": "101"},
        {"pageSize": "-1"},
        {"pageSize": "1.5"},
        {"pageSize": "ten"},
        {"pageSize": "0100"},
        {"pageSize": ["10", "20"]},
        {"bookedDateGte": "2026-13-01"},
        {"bookedDateGte": "20260101"},
        {"bookedDateLte": "2026-1-1"},
        {"bookedDateLte": "yesterday"},
        {"bookedDateGte": "2026-03-02", "bookedDateLte": "2026-03-01"},
        {"accountIdIn": "not-an-id"},
        {"accountIdIn": "F" * 32},
        {"accountIdIn": ",".join(f"{n:032x}" for n in range(101))},
        {"pageToken": "junk"},
        {"pageToken": ["a", "b"]},
        {"pageToken": "x" * 5000},
    ],
)
def test_bad_parameters_are_400_with_a_message(client, connected, params):
    token, _, _ = connected
    response = get(client, TRANSACTIONS, token, params)
    body = response.json()
    assert response.status_code == 400
    assert body["errorCode"] == "BAD_REQUEST" and body["errorMessage"]


@pytest.mark.parametrize("params", [{"pageSize": "0"}, {"pageToken": "junk"}])
def test_the_accounts_endpoint_checks_its_parameters_too(client, connected, params):
    token, _, _ = connected
    assert get(client, ACCOUNTS, token, params).status_code == 400


def test_empty_parameters_count_as_not_given(client, connected):
    token, _, everything = connected
    params = {"pageSize": "", "accountIdIn": "", "bookedDateGte": "", "pageToken": ""}
    assert get(client, TRANSACTIONS, token, params).json()["transactions"] == everything[:100]


# --- Page tokens ----------------------------------------------------------------------------------


def tampered(token: str) -> list[str]:
    """The token with one character changed, in the payload and in the signature."""
    swap = {"A": "B", "B": "A"}
    out = []
    for index in (2, len(token) - 3):
        char = token[index]
        out.append(token[:index] + swap.get(char, "A") + token[index + 1 :])
    return out


def test_a_tampered_page_token_is_400(client, connected):
    token, _, _ = connected
    page_token = get(client, TRANSACTIONS, token, {"pageSize": "5"}).json()["nextPageToken"]
    for changed in tampered(page_token):
        response = get(client, TRANSACTIONS, token, {"pageSize": "5", "pageToken": changed})
        assert response.status_code == 400
        assert response.json()["errorMessage"] == data.NOT_OUR_PAGE


def test_a_page_token_signed_for_something_else_is_400(client, connected):
    token, _, _ = connected
    forged = signing.dumps({"q": "x", "c": ["2026-01-01", 1]}, salt="another.salt")
    response = get(client, TRANSACTIONS, token, {"pageToken": forged})
    assert response.status_code == 400


def test_a_page_token_continues_only_its_own_query(client, connected, make_end_user, token_for):
    token, (checking, _), _ = connected
    page_token = get(client, TRANSACTIONS, token, {"pageSize": "5"}).json()["nextPageToken"]
    other_filters = get(
        client, TRANSACTIONS, token, {"pageToken": page_token, "accountIdIn": checking}
    )
    other_user = make_end_user("other")
    connect(other_user)
    someone_else = get(client, TRANSACTIONS, token_for(other_user), {"pageToken": page_token})
    accounts_token = get(client, ACCOUNTS, token, {"pageSize": "1"}).json()["nextPageToken"]
    crossed = get(client, TRANSACTIONS, token, {"pageToken": accounts_token})

    for response in (other_filters, someone_else, crossed):
        assert response.status_code == 400
        assert response.json()["errorMessage"] == data.OTHER_QUERY


def test_a_page_token_with_a_well_signed_but_odd_cursor_is_400(client, connected, end_user):
    token, _, _ = connected
    query = data._query_key(end_user, "transactions", "", None, None)
    for cursor in ([], ["2026-02-30", 5], ["2026-01-01", "5"], ["2026-01-01", 2**70], [1, 2, 3]):
        page_token = data._page_token(query, *cursor)
        response = get(client, TRANSACTIONS, token, {"pageToken": page_token})
        assert response.status_code == 400, cursor


def test_10000_transactions_page_by_100_each_exactly_once_without_count_or_offset(
    client, end_user, token
):
    result = connect(end_user, demo_bank.BENCHMARK)
    assert (result.accounts, result.transactions) == (1, 10_000)

    seen, page_token, pages = [], "", 0
    with CaptureQueriesContext(connection) as queries:
        while True:
            params = {"pageSize": "100", **({"pageToken": page_token} if page_token else {})}
            body = get(client, TRANSACTIONS, token, params).json()
            seen += body["transactions"]
            pages += 1
            page_token = body["nextPageToken"]
            if not page_token:
                break

    ids = [t["id"] for t in seen]
    assert pages == 100 and len(ids) == 10_000 and len(set(ids)) == 10_000
    assert set(ids) == set(Transaction.objects.values_list("transaction_id", flat=True))
    booked = [t["dates"]["booked"] for t in seen]
    assert booked == sorted(booked, reverse=True)
    assert min(booked) >= (TODAY - timedelta(days=364)).isoformat()
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "COUNT(" not in sql and "OFFSET" not in sql
    assert len(queries.captured_queries) <= 3 * pages  # the secret, the user, the page


# --- Who may read --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_without_a_valid_token_it_is_401(client, connected, path):
    token, _, _ = connected
    for authorization in ("", "Bearer", "Bearer ", "Basic abc", "Bearer not-a-token"):
        headers = {"Authorization": authorization} if authorization else {}
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["errorCode"] == "UNAUTHENTICATED"
    assert get(client, path, token[:-4] + "AAAA").status_code == 401


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_an_expired_token_is_401(client, connected, path):
    token, _, _ = connected
    with time_machine.travel(timezone.now() + timedelta(seconds=1801)):
        response = get(client, path, token)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("path", "scope"),
    [(ACCOUNTS, "transactions:read"), (TRANSACTIONS, "accounts:read")],
)
def test_a_token_without_the_scope_is_403(client, end_user, token_for, path, scope):
    connect(end_user)
    response = get(client, path, token_for(end_user, scope=scope))
    assert response.status_code == 403
    assert response.json()["errorCode"] == "FORBIDDEN"


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_the_apps_client_token_is_403(client, connected, app_token, path):
    response = get(client, path, app_token)
    assert response.status_code == 403
    assert "client token" in response.json()["errorMessage"]


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_a_deleted_users_token_is_404(client, connected, end_user, path):
    token, _, _ = connected
    end_user.delete()
    response = get(client, path, token)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_a_token_naming_another_apps_user_is_404(
    client, connected, alice, make_app, make_credentials, path
):
    token, _, _ = connected
    other_token = client_token(client, make_credentials(make_app(alice, name="Other")))
    theirs = create_user(client, other_token, "theirs").json()["user_id"]
    connect(EndUser.objects.get(user_id=theirs))
    claims = {**keys.decode(token), "sub": theirs}  # our app's secret, their user
    response = get(client, path, Hidden(keys.encode(claims)))
    assert response.status_code == 404


@pytest.mark.parametrize("path", [ACCOUNTS, TRANSACTIONS])
def test_only_get_is_allowed_and_answers_are_not_cached(client, connected, path):
    token, _, _ = connected
    posted = client.post(path, headers={"Authorization": f"Bearer {token}"})
    answer = get(client, path, token)
    assert (posted.status_code, posted["Allow"]) == (405, "GET")
    assert answer["Cache-Control"] == "no-store"
    assert answer["Content-Type"] == "application/json"
    assert not answer.cookies
