import uuid

from django.apps import apps as django_apps
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# The largest id a row can have: every integer primary key is a 64-bit BigAutoField
# (DEFAULT_AUTO_FIELD). A larger integer names no row, and SQLite raises OverflowError on it.
MAX_ID = 2**63 - 1


class AppendOnly(models.Model):
    """A history: rows are added, never changed or deleted one by one (they go only with
    their organization). A database trigger backs it (accounts/triggers.py)."""

    append_only_message = "This history is append-only."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(self.append_only_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.append_only_message)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        """A staff account whose address counts as verified: the operator who runs
        createsuperuser vouches for it, and staff log in through the Console's log-in page."""
        fields.update(is_staff=True, is_superuser=True)
        user = self._create(email, password, **fields)
        # allauth's model by its label: accounts.models is imported before allauth's models.
        email_address = django_apps.get_model("account", "EmailAddress")
        email_address.objects.create(user=user, email=user.email, primary=True, verified=True)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address; there is no username."""

    email = models.EmailField("Email", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the owner last used a "secure your account" link: links made before it are spent.
    secured_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def audit_target(self) -> tuple[str, str, str]:
        """(type, id, label) of an audit entry about this account."""
        return "user", self.email, self.email


class OrganizationQuerySet(models.QuerySet):
    def lock(self, organization: "Organization") -> "Organization":
        """The organization's row, locked until the transaction ends: one change at a time to
        what its rules count (its owners, pending invitations, production steps, contacts)."""
        return self.select_for_update().get(pk=organization.pk)


class Organization(models.Model):
    name = models.CharField("Organization name", max_length=100)
    # Set by an owner: members without two-factor log-in set it up before anything else.
    require_two_factor = models.BooleanField("Require two-factor log-in", default=False)
    # The weekly email about client secrets unused for 90 days (apps.tasks), to owners and
    # admins; an owner or admin turns it off on the Organization page.
    unused_secret_emails = models.BooleanField("Email about unused client secrets", default=True)
    unused_secrets_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="accounts_organization_name_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_target(self) -> tuple[str, str, str]:
        return "organization", str(self.pk), self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    DEVELOPER = "developer", "Developer"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="accounts_membership_one_per_user"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class Invitation(models.Model):
    """An invitation to join an organization with a role.

    Single-use, expiring, bound to the invited address. The link carries a random token; only
    its SHA-256 is stored (accounts.services.invitation_token_hash), like a client secret.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="accounts_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="accounts_invitation_accepted_or_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} ({self.role})"

    @property
    def open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    @property
    def pending(self) -> bool:
        return self.open and self.expires_at > timezone.now()


class OutboundEmail(models.Model):
    """The transactional outbox: every email is a row written in the sender's transaction.

    The Celery task only carries the row's id, which is also the message's idempotency key
    (its Message-ID). Bodies hold links with one-time keys, so they are encrypted at rest
    and wiped once the message has been handed to the SMTP server.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    to = models.JSONField()
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    body_text_encrypted = models.TextField(blank=True)
    body_html_encrypted = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["queued_at"],
                condition=models.Q(status="pending"),
                name="accounts_outbox_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(sent_at__isnull=False),
                name="accounts_outboundemail_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.status})"

    @property
    def message_id(self) -> str:
        return f"<{self.id}@console>"


class AuditEvent(AppendOnly):
    """One sensitive action: who took it, in which organization, on what, from where.

    Entries are only ever added (accounts.audit.audit_record): the model refuses a change
    or a deletion, and a database trigger refuses any UPDATE (migration 0005). `details` holds
    names, hints and URIs, never a password, a secret, a code or a token.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login.failed", "Failed log-in"
        REAUTHENTICATE = "reauthenticate", "Re-authenticated"
        REAUTHENTICATE_FAILED = "reauthenticate.failed", "Failed re-authentication"
        LOGOUT = "logout", "Logged out"
        MFA_ACTIVATE = "mfa.activate", "Two-factor method added"
        MFA_DEACTIVATE = "mfa.deactivate", "Two-factor method removed"
        MFA_REQUIRE = "mfa.require", "Two-factor log-in requirement changed"
        PASSWORD_CHANGE = "password.change", "Password changed"
        EMAIL_CHANGE = "email.change", "Email address changed"
        ACCOUNT_SECURE = "account.secure", "Account secured"
        SESSION_END = "session.end", "Sessions ended"
        INVITATION_CREATE = "invitation.create", "Invitation sent"
        INVITATION_RESEND = "invitation.resend", "Invitation sent again"
        INVITATION_CANCEL = "invitation.cancel", "Invitation cancelled"
        INVITATION_ACCEPT = "invitation.accept", "Invitation accepted"
        MEMBER_ROLE_CHANGE = "member.role_change", "Role changed"
        MEMBER_REMOVE = "member.remove", "Member removed"
        MEMBER_LEAVE = "member.leave", "Member left"
        OWNERSHIP_TRANSFER = "ownership.transfer", "Ownership transferred"
        APP_CREATE = "app.create", "App created"
        APP_RENAME = "app.rename", "App renamed"
        CLIENT_SECRET_CREATE = "client_secret.create", "Client secret created"
        CLIENT_SECRET_REVOKE = "client_secret.revoke", "Client secret revoked"
        CLIENT_SECRET_ROLL = "client_secret.roll", "Client secret rolled"
        CLIENT_SECRET_EXPIRE = "client_secret.expire", "Client secret expired"
        CLIENT_SECRET_LEAK = "client_secret.leak", "Leaked client secret revoked"
        UNUSED_SECRET_EMAILS = "organization.unused_secret_emails", "Unused secret emails changed"
        END_USER_DELETE = "end_user.delete", "App user deleted"
        REDIRECT_URI_ADD = "redirect_uri.add", "Redirect URI added"
        REDIRECT_URI_REMOVE = "redirect_uri.remove", "Redirect URI removed"
        SALES_CONTACT = "sales.contact", "Sales contacted"
        PRODUCTION_ACCESS_REQUEST = "production_access.request", "Production access requested"
        PRODUCTION_ACCESS_APPROVE = "production_access.approve", "Production access approved"
        PRODUCTION_ACCESS_REJECT = "production_access.reject", "Production access rejected"
        KYB_SUBMIT = "kyb.submit", "KYB submitted"
        KYB_APPROVE = "kyb.approve", "KYB approved"
        KYB_REQUEST_CHANGES = "kyb.request_changes", "KYB changes requested"
        KYB_REJECT = "kyb.reject", "KYB rejected"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.EmailField(max_length=254, blank=True)
    # Who acted when no account did, e.g. "GitHub secret scanning"; blank: Console itself.
    actor_name = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-created_at"],
                name="accounts_audit_target_idx",
            ),
            models.Index(fields=["organization", "-created_at"], name="accounts_audit_org_idx"),
        ]

    append_only_message = "The audit log is append-only."

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_email or 'system'}"

    @property
    def who(self) -> str:
        """The actor as the Activity and audit log show it."""
        return self.actor_email or self.actor_name or "Console"
