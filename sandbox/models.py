"""An app's end users, as the Tink API has them: the people whose bank data the app gathers.

The app is the data bucket: a user belongs to one app, and no other app (nor any other
organization) can see it. `user_id` is the public id the API answers with; the app's own id for
the person is `external_user_id`, unique per app.
"""

import re
import secrets

from django.db import models

from apps.models import App

USER_ID = re.compile(r"[0-9a-f]{32}")
EXTERNAL_USER_ID_MAX_LENGTH = 255
# The markets Tink serves (ISO 3166-1 alpha-2); the Demo Bank has test users in some of them.
MARKETS = (
    "AT", "BE", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "IE",
    "IT", "LT", "LV", "NL", "NO", "PL", "PT", "SE",
)  # fmt: skip
LOCALE = re.compile(r"[a-z]{2}_[A-Z]{2}")  # en_US, sv_SE
CODE_MINUTES = 10


def new_user_id() -> str:
    return secrets.token_hex(16)


class EndUser(models.Model):
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="end_users")
    user_id = models.CharField(max_length=32, unique=True, default=new_user_id)
    external_user_id = models.CharField(max_length=EXTERNAL_USER_ID_MAX_LENGTH)
    market = models.CharField(max_length=2)
    locale = models.CharField(max_length=5)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "external_user_id"], name="sandbox_enduser_external_id_per_app"
            ),
            models.CheckConstraint(
                condition=~models.Q(external_user_id=""), name="sandbox_enduser_external_id_set"
            ),
            models.CheckConstraint(
                condition=models.Q(market__in=MARKETS), name="sandbox_enduser_market_known"
            ),
            models.CheckConstraint(
                condition=models.Q(user_id__regex=f"^{USER_ID.pattern}$"),
                name="sandbox_enduser_user_id_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_user_id} ({self.app})"


class AuthorizationCode(models.Model):
    """A one-time code that lets the app get a user access token for one of its users.

    Only the code's SHA-256 is kept (256 random bits: no key or slow hash needed). It is good
    for CODE_MINUTES, for the app it was granted to, once: the exchange deletes the row.
    """

    code_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(EndUser, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="sandbox_code_expires")]

    def __str__(self) -> str:
        return f"Authorization code for {self.user}"


# --- The Demo Bank's data: what a connected bank holds for one of an app's users ---------------
# Amounts are integers of minor units (an unscaled value with its scale, 2: öre, pence, cents),
# never floats. The public ids (account_id, transaction_id) are what the data API answers with.

PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
AMOUNT_SCALE = 2


class BankConnection(models.Model):
    """A user's connection to one bank (the Demo Bank of a market), made in Tink Link with one
    of its test users; connecting again refreshes it (sandbox.demo_bank.connect)."""

    user = models.ForeignKey(EndUser, on_delete=models.CASCADE, related_name="bank_connections")
    bank = models.CharField(max_length=40)  # sandbox.demo_bank.Bank.id, "demo-bank-se"
    market = models.CharField(max_length=2)
    username = models.CharField(max_length=64)  # the test user logged in with
    connected_at = models.DateTimeField(auto_now_add=True)
    last_refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "bank"], name="sandbox_connection_per_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} for {self.user}"


class Account(models.Model):
    class Type(models.TextChoices):
        CHECKING = "CHECKING", "Checking"
        SAVINGS = "SAVINGS", "Savings"
        CREDIT_CARD = "CREDIT_CARD", "Credit card"
        LOAN = "LOAN", "Loan"
        INVESTMENT = "INVESTMENT", "Investment"
        OTHER = "OTHER", "Other"

    account_id = models.CharField(max_length=32, unique=True)
    connection = models.ForeignKey(
        BankConnection, on_delete=models.CASCADE, related_name="accounts"
    )
    # The connection's user, again: the data API reads a user's accounts without a join.
    user = models.ForeignKey(EndUser, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=Type.choices)
    currency = models.CharField(max_length=3)
    booked_balance = models.BigIntegerField()  # unscaled, at `scale`
    available_balance = models.BigIntegerField()
    scale = models.PositiveSmallIntegerField(default=AMOUNT_SCALE)
    last_refreshed = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "id"], name="sandbox_account_user")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account_id__regex=f"^{PUBLIC_ID.pattern}$"),
                name="sandbox_account_id_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class Transaction(models.Model):
    class Status(models.TextChoices):
        BOOKED = "BOOKED", "Booked"
        PENDING = "PENDING", "Pending"

    transaction_id = models.CharField(max_length=32, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transactions")
    # The account's user, again: the data API pages through a user's transactions on one index.
    user = models.ForeignKey(EndUser, on_delete=models.CASCADE, related_name="+")
    booked_date = models.DateField()
    amount = models.BigIntegerField()  # unscaled, at `scale`; negative is money out
    scale = models.PositiveSmallIntegerField(default=AMOUNT_SCALE)
    currency = models.CharField(max_length=3)
    description_original = models.CharField(max_length=200)
    description_display = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)

    class Meta:
        # The data API's keyset: newest booked first, the row id breaking ties; one index for
        # a user's transactions, one for an account's (accountIdIn).
        indexes = [
            models.Index(fields=["user", "-booked_date", "-id"], name="sandbox_tx_user_booked"),
            models.Index(
                fields=["account", "-booked_date", "-id"], name="sandbox_tx_account_booked"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transaction_id__regex=f"^{PUBLIC_ID.pattern}$"),
                name="sandbox_transaction_id_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booked_date} {self.description_display}"
