"""The Demo Bank: the bank a sandbox app's users connect to in Tink Link, one per market.

Its test users are data, listed below and shown on Tink Link's log-in page: their credentials
are public by design (they open nothing but generated data). Each one plays a scenario: two
accounts with 90 days of history, a log-in the bank refuses, a second factor, an account with no
transactions, 10,000 transactions for benchmarking.

`connect()` logs a test user in and, when the bank says yes, writes the user's accounts and
transactions. The data is generated, and deterministic: a `random.Random` seeded from
sha256(user_id, bank, scenario), so the same user connecting the same test user always gets the
same accounts, ids, amounts and descriptions; only the booked dates move with the reference date
(`today`), each transaction being a fixed number of days before it. Connecting again refreshes:
the connection's accounts and transactions are replaced in one transaction, never duplicated.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from hmac import compare_digest

from django.db import transaction
from django.utils import timezone

from .models import Account, BankConnection, EndUser, Transaction

BATCH_SIZE = 2000  # rows per INSERT: 10,000 transactions in a handful of statements


@dataclass(frozen=True)
class Bank:
    id: str
    name: str
    market: str
    currency: str


BANKS = {
    "SE": Bank("demo-bank-se", "Demo Bank", "SE", "SEK"),
    "GB": Bank("demo-bank-gb", "Demo Bank", "GB", "GBP"),
    "DE": Bank("demo-bank-de", "Demo Bank", "DE", "EUR"),
}

# The scenarios a test user plays.
TWO_ACCOUNTS = "two-accounts-90-days"
REFUSED = "login-fails"
SECOND_FACTOR_NEEDED = "second-factor"
NO_TRANSACTIONS = "no-transactions"
BENCHMARK = "10000-transactions"

SECOND_FACTOR_CODE = "123456"


@dataclass(frozen=True)
class TestUser:
    """A test user of the Demo Bank. Not a secret: shown to anyone on Tink Link's pages."""

    username: str
    password: str
    market: str
    scenario: str
    description: str
    code: str = ""  # the one-time code the bank asks for after the password; "" for none


def _users(market: str, prefix: str, password: str) -> tuple[TestUser, ...]:
    return (
        TestUser(
            f"u{prefix}000001",
            password,
            market,
            TWO_ACCOUNTS,
            "Two accounts, 90 days of transactions: a checking account with salary, rent, "
            "bills and card payments, and a savings account the checking account pays into "
            "every month.",
        ),
        TestUser(
            f"u{prefix}000002",
            password,
            market,
            REFUSED,
            "Login fails: the bank refuses these credentials even though they are the ones "
            "listed here. Use it to see how your app handles a connection that fails.",
        ),
        TestUser(
            f"u{prefix}000003",
            password,
            market,
            SECOND_FACTOR_NEEDED,
            f"Needs a second factor: after the password the bank asks for a one-time code; "
            f"enter {SECOND_FACTOR_CODE}. Then one checking account with 90 days of "
            "transactions.",
            code=SECOND_FACTOR_CODE,
        ),
        TestUser(
            f"u{prefix}000004",
            password,
            market,
            NO_TRANSACTIONS,
            "An account with no transactions: one checking account with a balance and an "
            "empty history.",
        ),
        TestUser(
            f"u{prefix}000005",
            password,
            market,
            BENCHMARK,
            "10,000 transactions over the last 365 days on one checking account, for "
            "benchmarking: paging through them, importing them into your app.",
        ),
    )


# Usernames are "u" and eight digits, beginning with the market's calling code.
TEST_USERS: tuple[TestUser, ...] = (
    *_users("SE", "46", "demo4646"),
    *_users("GB", "44", "demo4444"),
    *_users("DE", "49", "demo4949"),
)


def test_users(market: str | None = None) -> tuple[TestUser, ...]:
    """The Demo Bank's test users, of one market or of all."""
    if market is None:
        return TEST_USERS
    return tuple(user for user in TEST_USERS if user.market == market)


def find(market: str, username: str) -> TestUser | None:
    for user in TEST_USERS:
        if user.market == market and user.username == username:
            return user
    return None


# --- What each market's statements are made of ---------------------------------------------------


@dataclass(frozen=True)
class Payee:
    original: str  # as the bank's statement says it
    display: str  # as an app would show it
    low: int  # the amount's range, in minor units
    high: int


@dataclass(frozen=True)
class MarketData:
    checking: str  # the accounts' names
    savings: str
    salary: Payee
    rent: Payee
    bills: tuple[Payee, ...]  # monthly
    spending: tuple[Payee, ...]  # card payments, any day
    to_savings: Payee  # the monthly transfer, on the checking account
    from_checking: Payee  # the same, as the savings account has it
    interest: Payee
    checking_balance: tuple[int, int]  # where the booked balance ends up, in minor units
    savings_balance: tuple[int, int]


def _p(original: str, display: str, low: float, high: float | None = None) -> Payee:
    return Payee(original, display, round(low * 100), round((high or low) * 100))


MARKET_DATA = {
    "SE": MarketData(
        checking="Lönekonto",
        savings="Sparkonto",
        salary=_p("LÖN ACME AB", "Acme AB", 31_500, 36_000),
        rent=_p("HYRA HSB STOCKHOLM", "HSB", 9_850),
        bills=(
            _p("VATTENFALL AB", "Vattenfall", 380, 920),
            _p("TELIA SVERIGE AB", "Telia", 399),
            _p("SPOTIFY P2C4F1E8", "Spotify", 119),
            _p("NETFLIX.COM", "Netflix", 149),
            _p("SL ACCESS 30 DAGAR", "SL", 990),
        ),
        spending=(
            _p("ICA MAXI LINDHAGEN", "ICA Maxi", 85, 1_450),
            _p("COOP KONSUM SODERMALM", "Coop", 35, 620),
            _p("HEMKOP ODENPLAN", "Hemköp", 40, 540),
            _p("LIDL SOLNA", "Lidl", 60, 710),
            _p("ESPRESSO HOUSE 134", "Espresso House", 38, 96),
            _p("SYSTEMBOLAGET 0112", "Systembolaget", 89, 640),
            _p("MAX BURGERS KUNGSGATAN", "Max", 95, 240),
            _p("APOTEK HJARTAT", "Apotek Hjärtat", 45, 390),
            _p("CLAS OHLSON 228", "Clas Ohlson", 49, 899),
            _p("H&M 1234 DROTTNINGGATAN", "H&M", 99, 799),
            _p("UBER *TRIP", "Uber", 89, 360),
            _p("CIRCLE K SOLNA", "Circle K", 320, 910),
            _p("PRESSBYRAN T-CENTRALEN", "Pressbyrån", 22, 89),
        ),
        to_savings=_p("ÖVERFÖRING SPARKONTO", "Transfer to savings", 2_000, 5_000),
        from_checking=_p("ÖVERFÖRING FRÅN LÖNEKONTO", "Transfer from checking", 0),
        interest=_p("RÄNTA", "Interest", 12, 140),
        checking_balance=(4_000_00, 28_000_00),
        savings_balance=(25_000_00, 180_000_00),
    ),
    "GB": MarketData(
        checking="Current Account",
        savings="Easy Saver",
        salary=_p("ACME LTD SALARY", "Acme Ltd", 2_450, 2_900),
        rent=_p("FOXTONS RENT STO", "Foxtons", 1_250),
        bills=(
            _p("BRITISH GAS", "British Gas", 62, 118),
            _p("THAMES WATER", "Thames Water", 38),
            _p("EE LIMITED", "EE", 25),
            _p("LB CAMDEN COUNCIL TAX", "Council Tax", 146),
            _p("NETFLIX.COM", "Netflix", 10.99),
            _p("SPOTIFY UK", "Spotify", 11.99),
        ),
        spending=(
            _p("TESCO STORES 2045", "Tesco", 4.5, 95),
            _p("SAINSBURYS S/MKT", "Sainsbury's", 3.8, 82),
            _p("WAITROSE 672", "Waitrose", 7, 110),
            _p("PRET A MANGER", "Pret A Manger", 3.2, 12.5),
            _p("COSTA COFFEE", "Costa Coffee", 2.6, 8.4),
            _p("TFL TRAVEL CH", "TfL", 1.75, 9.6),
            _p("BOOTS 1123", "Boots", 2.9, 42),
            _p("AMAZON.CO.UK*2B4KD", "Amazon", 5.99, 129),
            _p("DELIVEROO", "Deliveroo", 12, 41),
            _p("SHELL KINGS CROSS", "Shell", 38, 82),
            _p("GREGGS 0431", "Greggs", 1.6, 7.9),
        ),
        to_savings=_p("TRANSFER TO EASY SAVER", "Transfer to savings", 150, 450),
        from_checking=_p("TRANSFER FROM CURRENT ACCOUNT", "Transfer from checking", 0),
        interest=_p("INTEREST PAID", "Interest", 1.2, 14),
        checking_balance=(350_00, 2_600_00),
        savings_balance=(2_500_00, 16_000_00),
    ),
    "DE": MarketData(
        checking="Girokonto",
        savings="Tagesgeld",
        salary=_p("GEHALT ACME GMBH", "Acme GmbH", 3_150, 3_650),
        rent=_p("MIETE HAUSVERWALTUNG SCHMIDT", "Miete", 1_080),
        bills=(
            _p("STADTWERKE MUENCHEN", "Stadtwerke München", 68, 112),
            _p("TELEKOM DEUTSCHLAND GMBH", "Telekom", 39.95),
            _p("RUNDFUNK ARD ZDF DRADIO", "Rundfunkbeitrag", 18.36),
            _p("NETFLIX.COM", "Netflix", 13.99),
            _p("SPOTIFY AB", "Spotify", 10.99),
        ),
        spending=(
            _p("REWE MARKT GMBH", "REWE", 4.2, 96),
            _p("EDEKA CENTER", "EDEKA", 3.9, 78),
            _p("ALDI SUED", "Aldi Süd", 5.1, 64),
            _p("LIDL DIENSTLEISTUNG", "Lidl", 4.4, 71),
            _p("DM DROGERIE MARKT", "dm", 2.95, 46),
            _p("DB VERTRIEB GMBH", "Deutsche Bahn", 9.9, 129),
            _p("MVG AUTOMAT", "MVG", 3.7, 9.2),
            _p("BACKWERK", "BackWerk", 1.9, 8.6),
            _p("AMAZON EU S.A R.L.", "Amazon", 5.99, 119),
            _p("ARAL STATION", "Aral", 38, 91),
            _p("ROSSMANN", "Rossmann", 2.5, 38),
        ),
        to_savings=_p("UEBERTRAG TAGESGELD", "Transfer to savings", 200, 600),
        from_checking=_p("UEBERTRAG VON GIROKONTO", "Transfer from checking", 0),
        interest=_p("ZINSEN", "Zinsen", 1.5, 18),
        checking_balance=(420_00, 3_400_00),
        savings_balance=(3_000_00, 22_000_00),
    ),
}


# --- Generating a statement ----------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedTransaction:
    transaction_id: str
    days_ago: int
    amount: int  # minor units; negative is money out
    original: str
    display: str

    def booked_date(self, today: date) -> date:
        return today - timedelta(days=self.days_ago)


@dataclass(frozen=True)
class GeneratedAccount:
    account_id: str
    name: str
    type: str
    currency: str
    booked_balance: int  # minor units
    available_balance: int
    transactions: tuple[GeneratedTransaction, ...]


class _Statement:
    """One test user's data for one user, drawn from one seeded generator."""

    def __init__(self, *, user_id: str, bank: Bank, scenario: str):
        seed = hashlib.sha256(f"{user_id}:{bank.id}:{scenario}".encode()).digest()
        self.rng = random.Random(int.from_bytes(seed[:16], "big"))
        self.data = MARKET_DATA[bank.market]
        self.currency = bank.currency

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def amount(self, payee: Payee) -> int:
        return self.rng.randint(payee.low, payee.high)

    def row(self, days_ago: int, amount: int, payee: Payee) -> GeneratedTransaction:
        return GeneratedTransaction(self.new_id(), days_ago, amount, payee.original, payee.display)

    def account(self, name, type_, balance_range, rows, *, reserved: bool) -> GeneratedAccount:
        booked = self.rng.randint(*balance_range)
        # A checking account's available balance is less the card payments not yet booked.
        held = sum(self.amount(payee) for payee in self.rng.sample(self.data.spending, 2))
        return GeneratedAccount(
            account_id=self.new_id(),
            name=name,
            type=type_,
            currency=self.currency,
            booked_balance=booked,
            available_balance=booked - held if reserved else booked,
            transactions=tuple(rows),
        )

    def checking(self, *, days: int, with_savings: bool) -> tuple[list, list]:
        """A checking account's history over `days` days (and the savings account's, whose
        money comes from it): monthly salary, rent and bills on their own days of the month,
        a few card payments a day."""
        data, rng = self.data, self.rng
        checking, savings = [], []
        payday = rng.randrange(30)
        bill_days = [rng.randrange(30) for _ in data.bills]
        for days_ago in range(days - 1, -1, -1):
            day = days_ago % 30
            if day == payday:
                checking.append(self.row(days_ago, self.amount(data.salary), data.salary))
            if day == (payday - 2) % 30:
                checking.append(self.row(days_ago, -self.amount(data.rent), data.rent))
            if with_savings and day == (payday - 1) % 30:
                moved = self.amount(data.to_savings)
                checking.append(self.row(days_ago, -moved, data.to_savings))
                savings.append(self.row(days_ago, moved, data.from_checking))
            if with_savings and days_ago % 91 == 0:  # quarterly
                savings.append(self.row(days_ago, self.amount(data.interest), data.interest))
            for bill, bill_day in zip(data.bills, bill_days, strict=True):
                if day == bill_day:
                    checking.append(self.row(days_ago, -self.amount(bill), bill))
            for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(2, 4, 3, 2, 1))[0]):
                payee = rng.choice(data.spending)
                checking.append(self.row(days_ago, -self.amount(payee), payee))
        return checking, savings

    def many(self, *, count: int, days: int) -> list:
        """`count` transactions over `days` days: the monthly ones, then card payments on any
        day until there are `count`."""
        rows, _ = self.checking(days=days, with_savings=False)
        rows = rows[:count]
        while len(rows) < count:
            payee = self.rng.choice(self.data.spending)
            rows.append(self.row(self.rng.randrange(days), -self.amount(payee), payee))
        return rows


def statement(*, user_id: str, bank: Bank, test_user: TestUser) -> tuple[GeneratedAccount, ...]:
    """The accounts and transactions `test_user` has at `bank` when `user_id` connects it."""
    generator = _Statement(user_id=user_id, bank=bank, scenario=test_user.scenario)
    data = generator.data
    checking = Account.Type.CHECKING
    if test_user.scenario == TWO_ACCOUNTS:
        rows, savings_rows = generator.checking(days=90, with_savings=True)
        return (
            generator.account(data.checking, checking, data.checking_balance, rows, reserved=True),
            generator.account(
                data.savings,
                Account.Type.SAVINGS,
                data.savings_balance,
                savings_rows,
                reserved=False,
            ),
        )
    if test_user.scenario == SECOND_FACTOR_NEEDED:
        rows, _ = generator.checking(days=90, with_savings=False)
        return (
            generator.account(data.checking, checking, data.checking_balance, rows, reserved=True),
        )
    if test_user.scenario == NO_TRANSACTIONS:
        return (
            generator.account(data.checking, checking, data.checking_balance, [], reserved=False),
        )
    if test_user.scenario == BENCHMARK:
        rows = generator.many(count=10_000, days=365)
        return (
            generator.account(data.checking, checking, data.checking_balance, rows, reserved=True),
        )
    return ()  # REFUSED: the bank never gets this far


# --- Connecting ----------------------------------------------------------------------------------

# What connect() can answer.
OK = "ok"
WRONG_CREDENTIALS = "wrong_credentials"
LOGIN_FAILS = "login_fails"
SECOND_FACTOR = "second_factor_needed"
WRONG_CODE = "wrong_code"
USER_GONE = "user_gone"

MESSAGES = {
    WRONG_CREDENTIALS: "The username or password is wrong. The Demo Bank's test users and "
    "their passwords are listed on this page.",
    LOGIN_FAILS: "The Demo Bank refused the log-in. This test user always fails, to show how "
    "your app handles a bank that says no.",
    SECOND_FACTOR: "The Demo Bank sent you a one-time code: enter it to continue.",
    WRONG_CODE: "That code is wrong. The test user's code is listed on this page.",
    USER_GONE: "The user no longer exists: the app deleted it.",
}


@dataclass(frozen=True)
class ConnectResult:
    outcome: str
    message: str
    connection: BankConnection | None = None
    accounts: int = 0
    transactions: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def _refused(outcome: str) -> ConnectResult:
    return ConnectResult(outcome, MESSAGES[outcome])


def _same(given: str | None, expected: str) -> bool:
    return isinstance(given, str) and compare_digest(given.encode(), expected.encode())


def connect(
    *,
    user: EndUser,
    username: str,
    password: str | None,
    code: str | None = None,
    market: str | None = None,
    today: date | None = None,
) -> ConnectResult:
    """Log in to the Demo Bank of `market` (the user's own by default) as one of its test users,
    and on success write what the bank holds for the user: its accounts and transactions, with
    booked dates counted back from `today` (the local date by default).

    Outcomes: OK; WRONG_CREDENTIALS (no such test user in the market, or the wrong password);
    LOGIN_FAILS (the test user whose log-in the bank refuses); SECOND_FACTOR (the password was
    right and the bank asks for the code: call again with it); WRONG_CODE; USER_GONE (the user
    was deleted meanwhile). Only OK writes anything.

    `password=None` says the caller already got SECOND_FACTOR for this test user (Tink Link keeps
    that in its signed flow) and now sends the code; it is honoured only with a code, and only
    for a test user that has one.
    """
    market = market or user.market
    bank = BANKS.get(market)
    test_user = find(market, username) if bank else None
    if test_user is None:
        return _refused(WRONG_CREDENTIALS)
    if password is None:
        if not (test_user.code and code is not None):
            return _refused(WRONG_CREDENTIALS)
    elif not _same(password, test_user.password):
        return _refused(WRONG_CREDENTIALS)
    if test_user.scenario == REFUSED:
        return _refused(LOGIN_FAILS)
    if test_user.code:
        if code is None:
            return _refused(SECOND_FACTOR)
        if not _same(code, test_user.code):
            return _refused(WRONG_CODE)
    accounts = statement(user_id=user.user_id, bank=bank, test_user=test_user)
    return _write(
        user=user, bank=bank, test_user=test_user, accounts=accounts, today=today or _today()
    )


def _today() -> date:
    return timezone.localdate()


def _write(
    *,
    user: EndUser,
    bank: Bank,
    test_user: TestUser,
    accounts: tuple[GeneratedAccount, ...],
    today: date,
) -> ConnectResult:
    """Replace the connection's accounts and transactions with `accounts`, in one transaction.

    The user's row is locked first: two connects of one user run one after the other (the ids
    are the same each time, so interleaved they would collide), and a user deleted meanwhile is
    noticed rather than written for.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = EndUser.objects.select_for_update().filter(pk=user.pk)
        if locked.values_list("pk", flat=True).first() is None:
            return _refused(USER_GONE)
        connection, _ = BankConnection.objects.update_or_create(
            user=user,
            bank=bank.id,
            defaults={
                "market": bank.market,
                "username": test_user.username,
                "last_refreshed_at": now,
            },
        )
        # The old accounts go, their transactions with them: one DELETE each (Django's
        # cascade, the transactions deleted by account without being loaded).
        Account.objects.filter(connection=connection).delete()
        rows = Account.objects.bulk_create(
            Account(
                account_id=account.account_id,
                connection=connection,
                user=user,
                name=account.name,
                type=account.type,
                currency=account.currency,
                booked_balance=account.booked_balance,
                available_balance=account.available_balance,
                last_refreshed=now,
            )
            for account in accounts
        )
        transactions = [
            Transaction(
                transaction_id=generated.transaction_id,
                account_id=row.pk,
                user_id=user.pk,
                booked_date=generated.booked_date(today),
                amount=generated.amount,
                currency=account.currency,
                description_original=generated.original,
                description_display=generated.display,
            )
            for account, row in zip(accounts, rows, strict=True)
            for generated in account.transactions
        ]
        Transaction.objects.bulk_create(transactions, batch_size=BATCH_SIZE)
    return ConnectResult(
        OK,
        f"Connected: {len(rows)} accounts, {len(transactions)} transactions.",
        connection=connection,
        accounts=len(rows),
        transactions=len(transactions),
    )
