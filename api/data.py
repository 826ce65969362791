"""The Tink Data API (v2) over the sandbox's data: GET /data/v2/accounts and
GET /data/v2/transactions, with a user access token (Bearer) carrying accounts:read or
transactions:read.

The token names the user (`sub`) and the app it was issued to; the user is looked up within
that app, so a token of a deleted user, or of another app's, finds nobody (404). Amounts are
Tink's: {"currencyCode", "value": {"scale", "unscaledValue"}}, both numbers as strings.

Pages are keyset pages: transactions newest booked first, the row id breaking ties, read from
one index (sandbox_tx_user_booked) from the cursor on: no COUNT, no OFFSET, so page 100 costs
what page 1 does. `nextPageToken` is the cursor signed with a key derived from SECRET_KEY
(django.core.signing) and bound to the user and the filters of the query it continues; a token
that was changed, or sent with other filters, is a 400. Errors are JSON
{"errorCode", "errorMessage"}, as the API's user endpoints answer.
"""

import hashlib
import re
from datetime import UTC, date, datetime

from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from django.http import HttpRequest, JsonResponse, QueryDict

from accounts.models import MAX_ID
from sandbox.models import PUBLIC_ID, Account, EndUser, Transaction

from . import services
from .users import Refused, _refused
from .views import _json, api_endpoint

ACCOUNTS_SCOPE = "accounts:read"
TRANSACTIONS_SCOPE = "transactions:read"
MAX_PAGE_SIZE = 100
MAX_ACCOUNT_IDS = 100
MAX_PAGE_TOKEN_LENGTH = 400
PAGE_SALT = "api.data.page"
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PAGE_SIZE = re.compile(r"[0-9]{1,3}")

NOT_OUR_PAGE = "pageToken is not one this API gave, or it was changed."
OTHER_QUERY = "pageToken continues another query: send the filters of its first page."


def _bad(message: str) -> Refused:
    return Refused(400, "BAD_REQUEST", message)


def user_bearer(request: HttpRequest, scope: str) -> EndUser:
    """The user a user access token is for (within its app), if the token carries `scope`;
    or Refused: 401 without a valid token, 403 for a client token or a missing scope, 404 when
    the app has no such user (deleted since)."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "UNAUTHENTICATED", "Send the user access token: Authorization: Bearer …")
    verified = services.token_verify(token=token.strip())
    if verified is None:
        raise Refused(401, "UNAUTHENTICATED", "The access token is not valid or has expired.")
    if verified.user_id is None:
        raise Refused(
            403,
            "FORBIDDEN",
            "This endpoint takes a user access token (grant_type=authorization_code), not "
            "the app's client token.",
        )
    if scope not in verified.scopes:
        raise Refused(403, "FORBIDDEN", f"The access token lacks the scope {scope}.")
    user = (
        EndUser.objects.filter(app_id=verified.secret.app_pk, user_id=verified.user_id)
        .only("pk", "user_id")
        .first()
    )
    if user is None:
        raise Refused(404, "NOT_FOUND", "The token's user no longer exists.")
    return user


# --- Parameters ----------------------------------------------------------------------------------


def _params(request: HttpRequest) -> QueryDict:
    try:
        return request.GET
    except SuspiciousOperation:  # TooManyFieldsSent: past DATA_UPLOAD_MAX_NUMBER_FIELDS
        raise _bad("Too many query parameters.") from None


def _one(params: QueryDict, name: str) -> str:
    """A parameter given at most once; "" when absent or empty."""
    values = params.getlist(name)
    if len(values) > 1:
        raise _bad(f"{name} is given more than once.")
    return values[0].strip() if values else ""


def _page_size(params: QueryDict) -> int:
    raw = _one(params, "pageSize")
    if not raw:
        return MAX_PAGE_SIZE
    if not PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise _bad(f"pageSize is a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(raw)


def _date(params: QueryDict, name: str) -> date | None:
    raw = _one(params, name)
    if not raw:
        return None
    try:
        if not DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(f"{name} is a date, YYYY-MM-DD.") from None


def _account_ids(params: QueryDict) -> list[str]:
    """accountIdIn, repeated and/or comma-separated."""
    ids = [
        item.strip()
        for value in params.getlist("accountIdIn")
        for item in value.split(",")
        if item.strip()
    ]
    if len(ids) > MAX_ACCOUNT_IDS:
        raise _bad(f"accountIdIn lists at most {MAX_ACCOUNT_IDS} accounts.")
    if not all(PUBLIC_ID.fullmatch(item) for item in ids):
        raise _bad("accountIdIn lists account ids: 32 characters, 0-9 and a-f.")
    return sorted(set(ids))


# --- Page tokens ---------------------------------------------------------------------------------


def _query_key(user: EndUser, *parts: object) -> str:
    """What a page token is bound to: the user and the query's filters."""
    text = "|".join([user.user_id, *(str(part) for part in parts)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _page_token(query: str, *cursor: object) -> str:
    return signing.dumps({"q": query, "c": list(cursor)}, salt=PAGE_SALT)


def _cursor(params: QueryDict, query: str) -> list | None:
    """The cursor of the pageToken given, None without one; or Refused (400)."""
    token = _one(params, "pageToken")
    if not token:
        return None
    if len(token) > MAX_PAGE_TOKEN_LENGTH:
        raise _bad(NOT_OUR_PAGE)
    try:
        content = signing.loads(token, salt=PAGE_SALT)
    except (signing.BadSignature, ValueError):  # a bad signature, or bytes that aren't JSON
        raise _bad(NOT_OUR_PAGE) from None
    if not isinstance(content, dict) or not isinstance(content.get("c"), list):
        raise _bad(NOT_OUR_PAGE)
    if content.get("q") != query:
        raise _bad(OTHER_QUERY)
    return content["c"]


def _row_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise _bad(NOT_OUR_PAGE)
    return value


# --- Answers -------------------------------------------------------------------------------------


def _amount(unscaled: int, scale: int, currency: str) -> dict:
    return {
        "currencyCode": currency,
        "value": {"scale": str(scale), "unscaledValue": str(unscaled)},
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@api_endpoint("GET")
def accounts(request: HttpRequest) -> JsonResponse:
    """The user's accounts, in the order the bank listed them; pageSize and pageToken as for
    transactions."""
    try:
        user = user_bearer(request, ACCOUNTS_SCOPE)
        params = _params(request)
        size = _page_size(params)
        query = _query_key(user, "accounts")
        cursor = _cursor(params, query)
        rows = Account.objects.filter(user_id=user.pk)
        if cursor is not None:
            if len(cursor) != 1:
                raise _bad(NOT_OUR_PAGE)
            rows = rows.filter(pk__gt=_row_id(cursor[0]))
        page = list(rows.order_by("pk")[: size + 1])
    except Refused as refused:
        return _refused(refused)
    more = len(page) > size
    page = page[:size]
    body = {
        "accounts": [
            {
                "id": account.account_id,
                "name": account.name,
                "type": account.type,
                "balances": {
                    "booked": {
                        "amount": _amount(account.booked_balance, account.scale, account.currency)
                    },
                    "available": {
                        "amount": _amount(
                            account.available_balance, account.scale, account.currency
                        )
                    },
                },
                "dates": {"lastRefreshed": _timestamp(account.last_refreshed)},
            }
            for account in page
        ],
        "nextPageToken": _page_token(query, page[-1].pk) if more else "",
    }
    return _json(body)


TRANSACTION_FIELDS = (
    "pk",
    "transaction_id",
    "account__account_id",
    "booked_date",
    "amount",
    "scale",
    "currency",
    "description_original",
    "description_display",
    "status",
)


@api_endpoint("GET")
def transactions(request: HttpRequest) -> JsonResponse:
    """The user's transactions, newest booked first: accountIdIn (repeated or comma-separated),
    bookedDateGte and bookedDateLte (YYYY-MM-DD, inclusive), pageSize (1 to 100, 100 by
    default) and pageToken (the nextPageToken of the page before)."""
    try:
        user = user_bearer(request, TRANSACTIONS_SCOPE)
        params = _params(request)
        size = _page_size(params)
        account_ids = _account_ids(params)
        since, until = _date(params, "bookedDateGte"), _date(params, "bookedDateLte")
        if since and until and since > until:
            raise _bad("bookedDateGte is after bookedDateLte.")
        query = _query_key(user, "transactions", ",".join(account_ids), since, until)
        cursor = _cursor(params, query)
        rows = Transaction.objects.filter(user_id=user.pk)
        if account_ids:
            rows = rows.filter(account__account_id__in=account_ids)
        if since:
            rows = rows.filter(booked_date__gte=since)
        if until:
            rows = rows.filter(booked_date__lte=until)
        if cursor is not None:
            booked, row_id = _keyset(cursor)
            # (booked_date, id) < (booked, row_id), written so that booked_date <= booked is
            # an index condition: the scan starts at the cursor.
            rows = rows.filter(
                Q(booked_date__lt=booked) | Q(pk__lt=row_id), booked_date__lte=booked
            )
        page = list(
            rows.order_by("-booked_date", "-pk").values_list(*TRANSACTION_FIELDS)[: size + 1]
        )
    except Refused as refused:
        return _refused(refused)
    more = len(page) > size
    page = page[:size]
    body = {
        "transactions": [_transaction(*row) for row in page],
        "nextPageToken": _page_token(query, page[-1][3].isoformat(), page[-1][0]) if more else "",
    }
    return _json(body)


def _transaction(
    pk, transaction_id, account_id, booked, amount, scale, currency, original, display, status
) -> dict:
    return {
        "id": transaction_id,
        "accountId": account_id,
        "amount": _amount(amount, scale, currency),
        "descriptions": {"original": original, "display": display},
        "dates": {"booked": booked.isoformat(), "value": booked.isoformat()},
        "status": status,
    }


def _keyset(cursor: list) -> tuple[date, int]:
    if len(cursor) != 2 or not isinstance(cursor[0], str) or not DATE.fullmatch(cursor[0]):
        raise _bad(NOT_OUR_PAGE)
    try:
        booked = date.fromisoformat(cursor[0])
    except ValueError:
        raise _bad(NOT_OUR_PAGE) from None
    return booked, _row_id(cursor[1])
