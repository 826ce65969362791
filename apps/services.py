import hashlib
import re
import secrets
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Organization, User
from accounts.validators import name_clean
from products.services import sales_contact_require

from . import credentials, selectors
from .models import (
    FORM_TOKENS_KEPT,
    MAX_ACTIVE_SECRETS,
    MAX_REDIRECT_URIS,
    App,
    ClientSecret,
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


def client_secret_create(
    *, app: App, created_by: User | None, name: str = ""
) -> tuple[ClientSecret, str]:
    """A new active secret and its plaintext, which the caller shows once and forgets."""
    name = name_clean(name, field="name", label="a name") if name.strip() else ""
    with transaction.atomic():
        return _secret_insert(_lock(app), created_by=created_by, name=name)


def client_secret_create_from_form(
    *, app: App, created_by: User, form_token: str, name: str = ""
) -> tuple[ClientSecret, str]:
    """client_secret_create for a form shown by secret_form_token_issue: the form's token is
    spent in the same transaction as the secret's INSERT, so one form creates one secret.

    A token already spent, another user's or another app's, or never issued, is refused with
    the code "form_used" and nothing is created. If the secret is refused (five active), the
    token's delete is rolled back with the rest and the form can be sent again.
    """
    name = name_clean(name, field="name", label="a name") if name.strip() else ""
    with transaction.atomic():
        locked = _lock(app)
        # The DELETE is the compare-and-swap: of concurrent posts of one token, the first
        # deletes the row and the others, once the app lock lets them in, find none.
        spent, _ = SecretFormToken.objects.filter(
            token_hash=_form_token_hash(form_token), app=locked, user=created_by
        ).delete()
        if not spent:
            raise ValidationError(FORM_USED, code="form_used")
        return _secret_insert(locked, created_by=created_by, name=name)


def _secret_insert(locked: App, *, created_by: User | None, name: str) -> tuple[ClientSecret, str]:
    """The new secret in the app's first free slot; the caller holds the app's row lock."""
    taken = set(ClientSecret.objects.active().filter(app=locked).values_list("slot", flat=True))
    free = [slot for slot in range(1, MAX_ACTIVE_SECRETS + 1) if slot not in taken]
    if not free:
        raise ValidationError(TOO_MANY_SECRETS, code="too_many")
    plaintext = credentials.generate()
    secret = ClientSecret.objects.create(
        app=locked,
        name=name,
        secret_hash=credentials.hash_secret(plaintext),
        hint=credentials.hint(plaintext),
        slot=free[0],
        created_by=created_by,
    )
    _audit(
        locked,
        created_by,
        AuditEvent.Action.CLIENT_SECRET_CREATE,
        secret=secret.hint,
        name=name,
    )
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
        current.revoked_at = timezone.now()
        current.revoked_by = revoked_by
        current.slot = None
        current.save(update_fields=["revoked_at", "revoked_by", "slot"])
        transaction.on_commit(lambda: _cache_revocation(current.pk))
        _audit(
            locked_app,
            revoked_by,
            AuditEvent.Action.CLIENT_SECRET_REVOKE,
            secret=current.hint,
            name=current.name,
        )
    return current


def _cache_revocation(secret_pk: int) -> None:
    """Tell the shared cache the secret is revoked, so its tokens stop at once everywhere.

    Written rather than deleted: a look-up that read the row just before the revoke committed
    adds its stale answer only where no entry is (selectors.client_secret_valid). If the cache
    is unreachable the write is lost, and a cached answer lives out its
    CONSOLE_TOKEN_SECRET_CACHE_SECONDS.
    """
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
