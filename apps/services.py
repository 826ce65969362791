import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.audit import audit_record
from accounts.models import AuditEvent, Organization, User
from accounts.validators import name_clean
from products.services import sales_contact_require

from . import credentials, emails, selectors
from .models import (
    FORM_TOKENS_KEPT,
    MAX_ACTIVE_SECRETS,
    MAX_EXPIRY_DAYS,
    MAX_REDIRECT_URIS,
    App,
    ClientSecret,
    Ended,
    RedirectURI,
    SecretFormToken,
)
from .validators import normalize_redirect_uri

TOO_MANY_SECRETS = (
    f"This app already has {MAX_ACTIVE_SECRETS} active client secrets, the most it can have. "
    "Revoke one you no longer use, then create a new one."
)
TOO_MANY_REDIRECT_URIS = (
    f"This app already has {MAX_REDIRECT_URIS} redirect URIs, the most it can have. "
    "Remove one before adding another."
)
TOO_MANY_TO_ROLL = (
    f"All {MAX_ACTIVE_SECRETS} client secret slots are taken. Rolling makes the new secret "
    "beside the old one until the old one expires, so it needs a free slot: revoke a secret you "
    "no longer use, then roll."
)
NOT_ROLLABLE = "This client secret no longer works, so it can't be rolled. Create a new one."
EXPIRY_TOO_LATE = f"Choose an expiry within {MAX_EXPIRY_DAYS} days."
EXPIRY_PAST = "Choose an expiry in the future."
NOW_SLACK = timedelta(minutes=1)
# Who reports leaks found by GitHub's secret scanning, as the Activity and audit log name it.
GITHUB_SECRET_SCANNING = "GitHub secret scanning"  # noqa: S105 - a name, not a secret
DUPLICATE_APP_NAME = "Your organization already has an app with this name. Choose another name."
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) returns
FORM_USED = (
    "That form was already used, and the secret it created can't be shown again. "
    "If you didn't copy it, revoke it and create a new one."
)


def _audit(app: App, actor: User | None, action: str, **details) -> None:
    audit_record(
        organization=app.organization,
        actor=actor,
        action=action,
        target=app,
        details=details,
    )


def app_name_validate(*, organization: Organization, name: str, exclude: App | None = None) -> str:
    """The app name as it would be stored, or a ValidationError: blank, too long, control
    characters, or another app of the organization already has it (case-insensitively)."""
    name = name_clean(name, field="name", label="an app name")
    taken = App.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": DUPLICATE_APP_NAME})
    return name


@transaction.atomic
def app_create(
    *,
    organization: Organization,
    name: str,
    display_name: str,
    app_type: str,
    created_by: User | None,
) -> App:
    name = app_name_validate(organization=organization, name=name)
    display_name = name_clean(display_name, field="display_name", label="a display name")
    if app_type not in App.Type.values:
        raise ValidationError({"app_type": "Choose Sandbox or Production."})
    if app_type == App.Type.PRODUCTION:
        # Going to production, step 2 needs step 1 (kyb.gate walks the same road).
        sales_contact_require(organization=organization)
    try:
        # A savepoint: a concurrent twin of the same name loses on the unique constraint
        # without breaking the caller's transaction.
        with transaction.atomic():
            app = App.objects.create(
                organization=organization,
                name=name,
                display_name=display_name,
                app_type=app_type,
                created_by=created_by,
            )
    except IntegrityError:
        raise ValidationError({"name": DUPLICATE_APP_NAME}) from None
    _audit(app, created_by, AuditEvent.Action.APP_CREATE, app_type=app_type)
    return app


@transaction.atomic
def app_rename(*, app: App, name: str, renamed_by: User | None) -> App:
    """Change the app name, the only mutable part of an app."""
    name = name_clean(name, field="name", label="an app name")
    if name == app.name:
        return app
    name = app_name_validate(organization=app.organization, name=name, exclude=app)
    old_name, app.name = app.name, name
    try:
        with transaction.atomic():
            app.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        app.name = old_name
        raise ValidationError({"name": DUPLICATE_APP_NAME}) from None
    _audit(app, renamed_by, AuditEvent.Action.APP_RENAME, old_name=old_name, new_name=name)
    return app


def _lock(app: App) -> App:
    # Serialises every writer of this app's secrets and redirect URIs: the second of two
    # concurrent requests waits here and then sees the first one's rows.
    return App.objects.select_for_update().select_related("organization").get(pk=app.pk)


def expiry_validate(expires_at: datetime | None, *, now: datetime, allow_now: bool = False):
    """`expires_at` if a secret may be given it at `now`: at most MAX_EXPIRY_DAYS ahead, and
    in the future (or now itself, for the old secret of a roll). None means never."""
    if expires_at is None:
        return None
    if allow_now and now - NOW_SLACK <= expires_at <= now:
        return now  # "now", as the form worked it out a moment ago
    if expires_at <= now:
        raise ValidationError({"expires": EXPIRY_PAST}, code="expiry_past")
    if expires_at > now + timedelta(days=MAX_EXPIRY_DAYS):
        raise ValidationError({"expires": EXPIRY_TOO_LATE}, code="expiry_too_late")
    return expires_at


def _secret_fields(name: str, expires_at: datetime | None) -> tuple[str, datetime | None]:
    """A new secret's optional name, cleaned, and its expiry, checked."""
    name = name_clean(name, field="name", label="a name") if name.strip() else ""
    return name, expiry_validate(expires_at, now=timezone.now())


def client_secret_create(
    *, app: App, created_by: User | None, name: str = "", expires_at: datetime | None = None
) -> tuple[ClientSecret, str]:
    """A new active secret and its plaintext, which the caller shows once and forgets."""
    name, expires_at = _secret_fields(name, expires_at)
    with transaction.atomic():
        return _secret_insert(_lock(app), created_by=created_by, name=name, expires_at=expires_at)


def _form_token_spend(locked: App, user: User, form_token: str) -> None:
    # The DELETE is the compare-and-swap: of concurrent posts of one token, the first
    # deletes the row and the others, once the app lock lets them in, find none.
    spent, _ = SecretFormToken.objects.filter(
        token_hash=_form_token_hash(form_token), app=locked, user=user
    ).delete()
    if not spent:
        raise ValidationError(FORM_USED, code="form_used")


def client_secret_create_from_form(
    *,
    app: App,
    created_by: User,
    form_token: str,
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ClientSecret, str]:
    """client_secret_create for a form shown by secret_form_token_issue: the form's token is
    spent in the same transaction as the secret's INSERT, so one form creates one secret.

    A token already spent, another user's or another app's, or never issued, is refused with
    the code "form_used" and nothing is created. If the secret is refused (five active), the
    token's delete is rolled back with the rest and the form can be sent again.
    """
    name, expires_at = _secret_fields(name, expires_at)
    with transaction.atomic():
        locked = _lock(app)
        _form_token_spend(locked, created_by, form_token)
        return _secret_insert(locked, created_by=created_by, name=name, expires_at=expires_at)


def client_secret_roll_from_form(
    *,
    secret: ClientSecret,
    rolled_by: User,
    form_token: str,
    old_expires_at: datetime,
) -> tuple[ClientSecret, str, ClientSecret]:
    """Roll `secret`: a new secret (same name) now, and the old one ends at `old_expires_at`
    (now, or within MAX_EXPIRY_DAYS), so both work while the new one is deployed.

    Returns the new secret, its plaintext and the old secret as it now is. The new secret needs
    a free slot (the old one keeps its own until it ends): at five of five, nothing changes.
    An old expiry already sooner than the one chosen is kept. The form's one-time token is
    spent as when creating, so a form rolls once.
    """
    now = timezone.now()
    old_expires_at = expiry_validate(old_expires_at, now=now, allow_now=True)
    with transaction.atomic():
        locked = _lock(secret.app)
        _form_token_spend(locked, rolled_by, form_token)
        old = ClientSecret.objects.select_for_update().get(pk=secret.pk)
        if not old.works_at(now):
            raise ValidationError(NOT_ROLLABLE, code="not_rollable")
        new, plaintext = _secret_insert(
            locked,
            created_by=rolled_by,
            name=old.name,
            expires_at=None,
            too_many=TOO_MANY_TO_ROLL,
            audited=False,  # the roll's own entry below names both secrets
        )
        if old.expires_at is None or old_expires_at < old.expires_at:
            old.expires_at = old_expires_at
            old.save(update_fields=["expires_at"])
            # A cached "valid" answer doesn't know the expiry: drop it, the next look-up reads it.
            key = selectors.client_secret_cache_key(old.pk)
            transaction.on_commit(lambda: cache.delete(key))
        _audit(
            locked,
            rolled_by,
            AuditEvent.Action.CLIENT_SECRET_ROLL,
            secret=old.hint,
            name=old.name,
            new_secret=new.hint,
            expires_at=old.expires_at.isoformat(),
            expires=f"{old.expires_at.astimezone(UTC):%-d %b %Y, %H:%M} UTC",
        )
        if old.expires_at <= now:
            _expire(locked, old)
    return new, plaintext, old


def _end(secret: ClientSecret, reason: str, *, at: datetime, by: User | None = None, **leak):
    """Free the slot of a secret (locked by the caller) and say why it ended."""
    secret.revoked_at = at
    secret.revoked_by = by
    secret.slot = None
    secret.ended_reason = reason
    fields = ["revoked_at", "revoked_by", "slot", "ended_reason"]
    for name, value in leak.items():
        setattr(secret, name, value)
        fields.append(name)
    secret.save(update_fields=fields)
    _cache_revocation(secret.pk, on_commit=True)


def _sweep(locked: App, now: datetime) -> int:
    """End the app's secrets whose expiry has passed (the caller holds the app's lock)."""
    expired = list(ClientSecret.objects.expired(now).filter(app=locked).select_for_update())
    for secret in expired:
        _expire(locked, secret)
    return len(expired)


def _expire(locked: App, secret: ClientSecret) -> None:
    _end(secret, Ended.EXPIRED, at=secret.expires_at)
    _audit(
        locked, None, AuditEvent.Action.CLIENT_SECRET_EXPIRE, secret=secret.hint, name=secret.name
    )


def client_secrets_expire(*, now: datetime | None = None) -> int:
    """The beat's sweep: free the slots of every secret past its expiry and record "expired"
    in the Activity and audit log. The token endpoint refuses an expired secret by itself; this
    only gives the slot back and tells the log. One transaction per app."""
    now = now or timezone.now()
    app_ids = ClientSecret.objects.expired(now).order_by("app_id").values_list("app_id", flat=True)
    ended = 0
    for app_id in sorted(set(app_ids)):
        with transaction.atomic():
            locked = (
                App.objects.select_for_update()
                .select_related("organization")
                .filter(pk=app_id)
                .first()
            )
            if locked is not None:
                ended += _sweep(locked, now)
    return ended


def _secret_insert(
    locked: App,
    *,
    created_by: User | None,
    name: str,
    expires_at: datetime | None,
    too_many: str = TOO_MANY_SECRETS,
    audited: bool = True,
) -> tuple[ClientSecret, str]:
    """The new secret in the app's first free slot; the caller holds the app's row lock.
    Secrets past their expiry give their slots back first, so a full app whose sweep hasn't
    run yet is not refused for slots nobody can use."""
    now = timezone.now()
    _sweep(locked, now)
    taken = set(ClientSecret.objects.active().filter(app=locked).values_list("slot", flat=True))
    free = [slot for slot in range(1, MAX_ACTIVE_SECRETS + 1) if slot not in taken]
    if not free:
        raise ValidationError(too_many, code="too_many")
    plaintext = credentials.generate()
    secret = ClientSecret.objects.create(
        app=locked,
        name=name,
        secret_hash=credentials.hash_secret(plaintext),
        hint=credentials.hint(plaintext),
        slot=free[0],
        created_by=created_by,
        expires_at=expires_at,
    )
    if audited:
        details = {"secret": secret.hint, "name": name}
        if expires_at is not None:
            details["expires_at"] = expires_at.isoformat()
        _audit(locked, created_by, AuditEvent.Action.CLIENT_SECRET_CREATE, **details)
    return secret, plaintext


def _form_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secret_form_token_issue(*, app: App, user: User) -> str:
    """A new one-time token for the secret form `user` is shown for `app`; only its hash is
    kept, and of the user's tokens for the app, the newest FORM_TOKENS_KEPT."""
    token = secrets.token_urlsafe(32)
    SecretFormToken.objects.create(app=app, user=user, token_hash=_form_token_hash(token))
    mine = SecretFormToken.objects.filter(app=app, user=user)
    newest = mine.order_by("-created_at", "-pk").values("pk")[:FORM_TOKENS_KEPT]
    mine.exclude(pk__in=newest).delete()
    return token


def client_secret_revoke(*, secret: ClientSecret, revoked_by: User | None) -> ClientSecret:
    """Revoke at once; revoking a revoked secret changes nothing."""
    with transaction.atomic():
        locked_app = _lock(secret.app)
        current = ClientSecret.objects.select_for_update().get(pk=secret.pk)
        if current.revoked_at is not None:
            return current
        _end(current, Ended.REVOKED, at=timezone.now(), by=revoked_by)
        _audit(
            locked_app,
            revoked_by,
            AuditEvent.Action.CLIENT_SECRET_REVOKE,
            secret=current.hint,
            name=current.name,
        )
    return current


def _cache_revocation(secret_pk: int, *, on_commit: bool = False) -> None:
    """Tell the shared cache the secret is revoked (or its expiry changed), so its tokens stop
    at once everywhere; with `on_commit`, once the caller's transaction commits.

    Written rather than deleted: a look-up that read the row just before the revoke committed
    adds its stale answer only where no entry is (selectors.client_secret_valid). If the cache
    is unreachable the write is lost, and a cached answer lives out its
    CONSOLE_TOKEN_SECRET_CACHE_SECONDS.
    """
    if on_commit:
        transaction.on_commit(lambda: _cache_revocation(secret_pk))
        return
    seconds = settings.CONSOLE_TOKEN_SECRET_CACHE_SECONDS
    if seconds:
        cache.set(selectors.client_secret_cache_key(secret_pk), selectors.SECRET_INVALID, seconds)


def redirect_uri_add(*, app: App, uri: str, added_by: User | None) -> RedirectURI:
    normalized = normalize_redirect_uri(uri)
    with transaction.atomic():
        locked = _lock(app)
        existing = RedirectURI.objects.filter(app=locked)
        if existing.filter(uri=normalized).exists():
            raise ValidationError("This redirect URI is already on the list.", code="duplicate")
        if existing.count() >= MAX_REDIRECT_URIS:
            raise ValidationError(TOO_MANY_REDIRECT_URIS, code="too_many")
        redirect_uri = RedirectURI.objects.create(app=locked, uri=normalized, created_by=added_by)
        _audit(locked, added_by, AuditEvent.Action.REDIRECT_URI_ADD, uri=normalized)
    return redirect_uri


def redirect_uri_remove(*, redirect_uri: RedirectURI, removed_by: User | None) -> None:
    with transaction.atomic():
        locked = _lock(redirect_uri.app)
        deleted, _ = RedirectURI.objects.filter(pk=redirect_uri.pk).delete()
        if deleted:
            _audit(locked, removed_by, AuditEvent.Action.REDIRECT_URI_REMOVE, uri=redirect_uri.uri)


def client_secret_mark_used(*, secret_pk: int, used_at: datetime) -> None:
    """Move a secret's "last used" forward to `used_at` (never back): the usage fold's call."""
    ClientSecret.objects.filter(pk=secret_pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=used_at)
    ).update(last_used_at=used_at)


# --- Leaked secrets -----------------------------------------------------------------------------

TRUE_POSITIVE = "true_positive"
FALSE_POSITIVE = "false_positive"


@dataclass(frozen=True)
class LeakVerdict:
    """What a leak report found: GitHub's label, the secret if it is ours, and whether this
    report revoked it (False: it had already stopped working, or it isn't ours)."""

    label: str
    secret: ClientSecret | None = None
    revoked: bool = False


NOT_OURS = LeakVerdict(FALSE_POSITIVE)


@sensitive_variables("token")
def client_secret_leak_report(
    *,
    token: str,
    url: str = "",
    source: str = "",
    reported_by: User | None = None,
    reporter: str = GITHUB_SECRET_SCANNING,
) -> LeakVerdict:
    """A secret found in public: revoke it at once, say where it was found, tell the owners.

    The one road for every report (GitHub secret scanning, staff in the admin, the
    report_leaked_secret command). The verdict's label is GitHub's feedback: "true_positive"
    when the token is a secret of ours, whatever its state, else "false_positive". Only a working
    secret changes: it is revoked as "leaked" with `url` and `source`, the Activity and audit
    log say so (by `reported_by`, or by `reporter` when no account reported it), and the
    organization's owners and admins get one email (through the outbox, in the same
    transaction). A token already revoked or expired is answered without a change, so the same
    report twice, even at the same moment, revokes and emails once (the app's row lock orders
    them). A token that isn't well-formed is answered without a query.
    """
    if not credentials.is_well_formed(token):
        return NOT_OURS
    found = (
        ClientSecret.objects.filter(secret_hash=credentials.hash_secret(token))
        .values_list("pk", "app_id")
        .first()
    )
    if found is None:
        return NOT_OURS
    secret_pk, app_pk = found
    with transaction.atomic():
        locked = App.objects.select_for_update().select_related("organization").get(pk=app_pk)
        secret = ClientSecret.objects.select_for_update().get(pk=secret_pk)
        now = timezone.now()
        if not secret.works_at(now):
            return LeakVerdict(TRUE_POSITIVE, secret)
        _end(
            secret,
            Ended.LEAKED,
            at=now,
            by=reported_by,
            leak_url=url[:2000],
            leak_source=source[:100],
        )
        audit_record(
            organization=locked.organization,
            actor=reported_by,
            actor_name=reporter,
            action=AuditEvent.Action.CLIENT_SECRET_LEAK,
            target=locked,
            details={
                "secret": secret.hint,
                "name": secret.name,
                "url": secret.leak_url,
                "source": secret.leak_source,
            },
        )
        emails.secret_leaked(
            app=locked, secret=secret, reporter=reported_by.email if reported_by else reporter
        )
    return LeakVerdict(TRUE_POSITIVE, secret, revoked=True)


# --- Unused secrets -------------------------------------------------------------------------

UNUSED_EMAIL_EVERY = timedelta(days=7)


def unused_secrets_notify(*, now: datetime | None = None) -> int:
    """The weekly email: each organization that wants it and has working secrets unused for
    UNUSED_DAYS days gets one email listing them. An organization emailed less than a week ago
    (a run redelivered by the broker, or two beats) is skipped. Returns the emails queued."""
    now = now or timezone.now()
    # An hour's slack, so that a beat a little early still finds last week's email old enough.
    emailed_before = now - UNUSED_EMAIL_EVERY + timedelta(hours=1)
    due = Q(app__organization__unused_secrets_emailed_at__isnull=True) | Q(
        app__organization__unused_secrets_emailed_at__lte=emailed_before
    )
    organization_ids = sorted(
        set(
            selectors.unused_secrets(now=now)
            .filter(due, app__organization__unused_secret_emails=True)
            .values_list("app__organization_id", flat=True)
        )
    )
    sent = 0
    for organization_id in organization_ids:
        with transaction.atomic():
            organization = Organization.objects.select_for_update().get(pk=organization_id)
            emailed = organization.unused_secrets_emailed_at
            if not organization.unused_secret_emails or (
                emailed is not None and emailed > emailed_before
            ):
                continue
            unused = list(
                selectors.unused_secrets(now=now)
                .filter(app__organization=organization)
                .select_related("app")
                .order_by(Lower("app__name"), "app_id", "slot")
            )
            if not unused:
                continue
            emails.unused_secrets(organization=organization, secrets=unused)
            organization.unused_secrets_emailed_at = now
            organization.save(update_fields=["unused_secrets_emailed_at"])
            sent += 1
    return sent
