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
