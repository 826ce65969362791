import re
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.models import Organization, User

# Columns that are fixed when an app is created. The model refuses a change, the queryset
# refuses an update, and a database trigger (migration 0002) refuses an UPDATE of them.
IMMUTABLE_FIELDS = ("display_name", "app_type", "client_id", "organization_id")
IMMUTABLE_MESSAGE = "An app's display name, app type and client_id can't be changed."

CLIENT_ID = re.compile(r"[0-9a-f]{32}")  # 128 bits, lowercase hex
MAX_ACTIVE_SECRETS = 5
# The longest expiry a secret can be given (Roll, or created with an expiry): Stripe's limit
# for a rolled key's overlap is a week; ours stretches to a month for slow deploys.
MAX_EXPIRY_DAYS = 30
# A secret not used for this long is flagged on the API client tab and in the weekly email.
UNUSED_DAYS = 90
MAX_REDIRECT_URIS = 20
FORM_TOKENS_KEPT = 10  # open secret forms per user and app, as many as a session list kept


def new_client_id() -> str:
    return secrets.token_hex(16)


def _touches_immutable(fields) -> bool:
    names = set(IMMUTABLE_FIELDS) | {"organization"}
    return any(field in names for field in fields)


class AppQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if _touches_immutable(kwargs):
            raise ValidationError(IMMUTABLE_MESSAGE)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if _touches_immutable(fields):
            raise ValidationError(IMMUTABLE_MESSAGE)
        return super().bulk_update(objs, fields, *args, **kwargs)


class App(models.Model):
    """A data bucket and security concept: its own users, data and API credentials."""

    class Type(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox"
        PRODUCTION = "production", "Production"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="apps")
    name = models.CharField("App name", max_length=100)
    display_name = models.CharField("Display name (public)", max_length=100)
    app_type = models.CharField("App type", max_length=20, choices=Type.choices)
    client_id = models.CharField(max_length=32, unique=True, default=new_client_id)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name"), "pk"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="apps_app_name_unique_per_organization"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="apps_app_name_not_blank"),
            models.CheckConstraint(
                condition=~models.Q(display_name=""), name="apps_app_display_name_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(app_type__in=["sandbox", "production"]),
                name="apps_app_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(client_id__regex=f"^{CLIENT_ID.pattern}$"),
                name="apps_app_client_id_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        loaded = getattr(self, "_loaded", None)
        if loaded is not None and not self._state.adding:
            if any(getattr(self, field) != value for field, value in loaded.items()):
                raise ValidationError(IMMUTABLE_MESSAGE)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("apps:detail", kwargs={"client_id": self.client_id})

    @property
    def audit_target(self) -> tuple[str, str, str]:
        """(type, id, label) of an audit entry about this app: its public client_id."""
        return "app", self.client_id, self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = {
            field: getattr(instance, field)
            for field in IMMUTABLE_FIELDS
            if field in instance.__dict__
        }
        return instance

    @property
    def is_production(self) -> bool:
        return self.app_type == self.Type.PRODUCTION


class ClientSecretQuerySet(models.QuerySet):
    def active(self):
        """Holding a slot: not revoked, and not yet swept after its expiry (which may have
        passed: `working` is what the token endpoint honours)."""
        return self.filter(revoked_at__isnull=True)

    def working(self, now):
        return self.active().filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def expired(self, now):
        """Past their expiry but still holding a slot, until the sweep frees it."""
        return self.active().filter(expires_at__lte=now)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class Ended(models.TextChoices):
    """Why a secret stopped working."""

    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    LEAKED = "leaked", "Leaked"


class ClientSecret(models.Model):
    """A credential that authenticates an app with the Tink API.

    Only an HMAC-SHA256 of the secret is kept (apps.credentials), with a short hint. An active
    secret holds one of the app's five slots; revoking frees it. A secret with an expiry (set
    when it is created, or when it is rolled) stops working at `expires_at`, checked by the
    token endpoint's query itself; the sweep (apps.services.client_secrets_expire) then frees
    its slot and records why it ended (`ended_reason`). The unique (app, slot) pair
    and the slot range are the database's half of the five-secret limit: the service's row
    lock orders concurrent creators, and the constraint stops anything that goes around it.
    """

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="secrets")
    name = models.CharField("Name", max_length=100, blank=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=20)
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField("Expires", null=True, blank=True)
    ended_reason = models.CharField(max_length=10, choices=Ended.choices, blank=True)
    # Where a leak was found (GitHub secret scanning's `url` and `source`, or staff's report).
    leak_url = models.CharField("Found at", max_length=2000, blank=True)
    leak_source = models.CharField("Found in", max_length=100, blank=True)

    objects = ClientSecretQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "slot"],
                condition=models.Q(slot__isnull=False),
                name="apps_clientsecret_one_per_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(slot__isnull=True)
                | models.Q(slot__gte=1, slot__lte=MAX_ACTIVE_SECRETS),
                name="apps_clientsecret_slot_range",
            ),
            # Active means holding a slot; revoked means having given it back.
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, slot__isnull=False)
                | models.Q(revoked_at__isnull=False, slot__isnull=True),
                name="apps_clientsecret_active_has_slot",
            ),
            # An ended secret says why; an active one has no reason yet.
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, ended_reason="")
                | models.Q(revoked_at__isnull=False, ended_reason__in=Ended.values),
                name="apps_clientsecret_ended_reason",
            ),
        ]
        indexes = [
            # The sweep's look-up: active secrets with an expiry, by expiry.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(revoked_at__isnull=True, expires_at__isnull=False),
                name="apps_clientsecret_expiring",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.app})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def works_at(self, now) -> bool:
        """What the token endpoint answers for this secret at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    @property
    def last_activity_at(self):
        return self.last_used_at or self.created_at


class SecretFormToken(models.Model):
    """The one-time token of a "Create new client secret" form that was shown and not used.

    Only the token's SHA-256 is stored (256 random bits: no key or slow hash needed). It is
    good for the user it was shown to, on that app. Creating the secret deletes the row in the
    same transaction, under the app's row lock, and mints nothing if there was no row to delete:
    of any number of posts of one form, one creates a secret (apps.services.
    client_secret_create_from_form). A refused post rolls the delete back with the rest, so the
    form can be sent again. Each user keeps the newest FORM_TOKENS_KEPT per app.
    """

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "app", "-created_at"], name="apps_secretformtoken_newest"),
        ]

    def __str__(self) -> str:
        return f"Secret form of {self.user} for {self.app}"


class RedirectURI(models.Model):
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="redirect_uris")
    uri = models.CharField("Redirect URI", max_length=2000)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["app", "uri"], name="apps_redirecturi_unique_per_app"),
        ]

    def __str__(self) -> str:
        return self.uri
