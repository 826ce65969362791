"""Creating an app's users, granting it access to one of them, and exchanging the grant."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent

from .models import (
    CODE_MINUTES,
    EXTERNAL_USER_ID_MAX_LENGTH,
    LOCALE,
    MARKETS,
    USER_ID,
    AuthorizationCode,
    EndUser,
)

# Scopes a client token carries for the app itself; a user access token is about user data.
CLIENT_SCOPES = frozenset({"user:create", "authorization:grant"})
EXTERNAL_USER_ID_TAKEN = "This app already has a user with this external_user_id."


def end_user_create(*, app_id: int, external_user_id: str, market: str, locale: str) -> EndUser:
    """A new user of the app, or a ValidationError naming the field (code "conflict" when the
    external_user_id is taken)."""
    if not isinstance(external_user_id, str) or not external_user_id.strip():
        raise ValidationError({"external_user_id": "external_user_id is required."})
    if len(external_user_id) > EXTERNAL_USER_ID_MAX_LENGTH or not external_user_id.isprintable():
        raise ValidationError(
            {
                "external_user_id": f"external_user_id is at most {EXTERNAL_USER_ID_MAX_LENGTH} "
                "printable characters."
            }
        )
    if market not in MARKETS:
        raise ValidationError({"market": f"market is one of {', '.join(MARKETS)}."})
    if not isinstance(locale, str) or not LOCALE.fullmatch(locale):
        raise ValidationError({"locale": "locale looks like en_US or sv_SE."})
    try:
        with transaction.atomic():
            return EndUser.objects.create(
                app_id=app_id, external_user_id=external_user_id, market=market, locale=locale
            )
    except IntegrityError:
        raise ValidationError(EXTERNAL_USER_ID_TAKEN, code="conflict") from None


def end_user_of(*, app_id: int, user_id: str = "", external_user_id: str = "") -> EndUser | None:
    """The app's user named by one of its ids; None for another app's or nobody's."""
    users = EndUser.objects.filter(app_id=app_id)
    if user_id:
        return users.filter(user_id=user_id).first() if USER_ID.fullmatch(user_id) else None
    if external_user_id and len(external_user_id) <= EXTERNAL_USER_ID_MAX_LENGTH:
        return users.filter(external_user_id=external_user_id).first()
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def authorization_grant(*, user: EndUser, scopes: list[str]) -> str:
    """A one-time code for a user access token with `scopes`; only its hash is stored."""
    code = secrets.token_hex(32)
    AuthorizationCode.objects.create(
        code_hash=_code_hash(code),
        app_id=user.app_id,
        user=user,
        scope=" ".join(scopes),
        expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
    )
    return code


@dataclass(frozen=True)
class Grant:
    user: EndUser
    scopes: list[str]


def authorization_code_exchange(*, app_id: int, code: str) -> Grant | None:
    """The grant behind `code` if it is the app's and unexpired, spent by this call; else None.

    The row lock orders two exchanges of one code: the first deletes the row and gets the
    grant, the second, let in after that commit, finds none.
    """
    if not isinstance(code, str) or len(code) != 64:
        return None
    with transaction.atomic():
        row = (
            AuthorizationCode.objects.select_for_update()
            .select_related("user")
            .filter(code_hash=_code_hash(code), app_id=app_id, expires_at__gt=timezone.now())
            .first()
        )
        if row is None:
            return None
        row.delete()  # under the row lock: a concurrent exchange waits, then finds none
        return Grant(user=row.user, scopes=row.scope.split())


def authorization_codes_sweep() -> int:
    """Delete codes past their expiry (they can't be exchanged; this only keeps the table small)."""
    deleted, _ = AuthorizationCode.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def end_user_delete(*, user: EndUser, deleted_by) -> None:
    """Delete one of an app's users with everything of theirs (codes, connections, accounts,
    transactions: the database cascades), recorded in the app's Activity."""
    with transaction.atomic():
        app = user.app
        deleted, _ = EndUser.objects.filter(pk=user.pk).delete()
        if deleted:
            audit_record(
                organization=app.organization,
                actor=deleted_by,
                action=AuditEvent.Action.END_USER_DELETE,
                target=app,
                details={"user_id": user.user_id, "external_user_id": user.external_user_id},
            )
