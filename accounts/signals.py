"""Audit entries for what happens to an account: log-ins, failed log-ins, re-authentications,
log-outs, two-factor methods, password and email changes.

Django and allauth announce these with signals; each receiver appends one entry in every
organization the user belongs to (a user outside any organization leaves no entry: the log is
an organization's). The target is the user, by email, as in the team entries of
accounts.services. Nothing from the credentials is kept (the typed address only finds the
account; the password is never read), and codes, secrets and tokens are never read either.

A failed log-in names as its actor the account whose address was typed: who was at the
keyboard is unknown, and this way an account's entries show the attempts on it; the IP
address and user agent say where they came from.
"""

import contextlib
from typing import Any

from allauth.account import signals as account_signals
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from . import origin
from .audit import audit_record
from .models import AuditEvent, Membership, User


def _record(
    request: HttpRequest | None, user: User, action: str, **details: Any
) -> list[AuditEvent]:
    memberships = Membership.objects.filter(user=user).select_related("organization")
    entries = []
    # Inside a request the middleware has set the origin already; setting it again is harmless,
    # and covers logins made outside it (the test client's, a management command's).
    with origin.request_origin(request) if request is not None else contextlib.nullcontext():
        for membership in memberships:
            entries.append(
                audit_record(
                    organization=membership.organization,
                    actor=user,
                    action=action,
                    target=user,
                    details=details,
                )
            )
    return entries


def _is_user(user: object) -> bool:
    return isinstance(user, User) and user.pk is not None


@receiver(auth_signals.user_logged_in, dispatch_uid="accounts.audit.login")
def on_logged_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if not _is_user(user):
        return
    methods = []
    if request is not None and hasattr(request, "session"):
        # Only the method names ("password", "mfa"): the records also hold the typed address.
        records = get_authentication_records(request, user)
        methods = list(dict.fromkeys(record.get("method") for record in records))
    _record(request, user, AuditEvent.Action.LOGIN, **({"methods": methods} if methods else {}))


@receiver(auth_signals.user_login_failed, dispatch_uid="accounts.audit.login_failed")
def on_login_failed(
    sender, credentials: dict, request: HttpRequest | None = None, **kwargs
) -> None:
    """Only the address is read from `credentials` (Django has masked the password already,
    but a password typed into the email field would still be there: an address that matches
    no account is dropped, unlogged)."""
    email = credentials.get("email") or credentials.get("username")
    if not isinstance(email, str) or not email:
        return
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        return
    action = AuditEvent.Action.LOGIN_FAILED
    if request is not None and getattr(request, "user", None) is not None:
        # Someone logged in typed the password again (allauth's "Confirm it's you", the
        # secret form, account deletion): a failed re-authentication, not a failed log-in.
        if request.user.is_authenticated:
            action = AuditEvent.Action.REAUTHENTICATE_FAILED
    _record(request, user, action, method="password")


@receiver(mfa_signals.authentication_failed, dispatch_uid="accounts.audit.mfa_failed")
def on_mfa_failed(
    sender, request: HttpRequest | None, user: User, authenticator: Authenticator, **kwargs
) -> None:
    """A wrong or replayed two-factor code: the password was right, the log-in still failed."""
    if not _is_user(user):
        return
    action = AuditEvent.Action.LOGIN_FAILED
    if kwargs.get("reauthentication"):
        action = AuditEvent.Action.REAUTHENTICATE_FAILED
    _record(request, user, action, method="mfa")


@receiver(
    account_signals.authentication_step_completed, dispatch_uid="accounts.audit.reauthenticate"
)
def on_authentication_step(
    sender, request: HttpRequest | None, user: User, method: str, **kwargs
) -> None:
    """allauth records every step of a log-in here; re-authentications carry a flag."""
    if kwargs.get("reauthenticated") and _is_user(user):
        _record(request, user, AuditEvent.Action.REAUTHENTICATE, method=method)


@receiver(auth_signals.user_logged_out, dispatch_uid="accounts.audit.logout")
def on_logged_out(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if _is_user(user):
        _record(request, user, AuditEvent.Action.LOGOUT)


# Recovery codes come and go with another method: allauth adds a set with the first method
# and deletes it with the last, each with its own signal. The method's entry covers both.
_BY_PRODUCT = Authenticator.Type.RECOVERY_CODES


@receiver(mfa_signals.authenticator_added, dispatch_uid="accounts.audit.mfa_added")
def on_authenticator_added(
    sender, request: HttpRequest | None, user: User, authenticator: Authenticator, **kwargs
) -> None:
    if authenticator.type != _BY_PRODUCT and _is_user(user):
        _record(request, user, AuditEvent.Action.MFA_ACTIVATE, type=authenticator.type)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="accounts.audit.mfa_removed")
def on_authenticator_removed(
    sender, request: HttpRequest | None, user: User, authenticator: Authenticator, **kwargs
) -> None:
    if authenticator.type != _BY_PRODUCT and _is_user(user):
        _record(request, user, AuditEvent.Action.MFA_DEACTIVATE, type=authenticator.type)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="accounts.audit.mfa_reset")
def on_authenticator_reset(
    sender, request: HttpRequest | None, user: User, authenticator: Authenticator, **kwargs
) -> None:
    """New recovery codes, asked for: the old ones stop working."""
    if _is_user(user):
        _record(
            request, user, AuditEvent.Action.MFA_ACTIVATE, type=authenticator.type, regenerated=True
        )


@receiver(account_signals.password_changed, dispatch_uid="accounts.audit.password_changed")
def on_password_changed(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if _is_user(user):
        _record(request, user, AuditEvent.Action.PASSWORD_CHANGE, method="change")


@receiver(account_signals.password_set, dispatch_uid="accounts.audit.password_set")
def on_password_set(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if _is_user(user):
        _record(request, user, AuditEvent.Action.PASSWORD_CHANGE, method="set")


@receiver(account_signals.password_reset, dispatch_uid="accounts.audit.password_reset")
def on_password_reset(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if _is_user(user):
        _record(request, user, AuditEvent.Action.PASSWORD_CHANGE, method="reset")


@receiver(account_signals.email_changed, dispatch_uid="accounts.audit.email_changed")
def on_email_changed(
    sender,
    request: HttpRequest | None,
    user: User,
    from_email_address=None,
    to_email_address=None,
    **kwargs,
) -> None:
    """With ACCOUNT_CHANGE_EMAIL allauth sends this for every verified address, the first one
    of a sign-up included; only a change from another address is one."""
    if not _is_user(user) or from_email_address is None or to_email_address is None:
        return
    if from_email_address.email.lower() == to_email_address.email.lower():
        return
    user.refresh_from_db(fields=["email"])
    _record(
        request,
        user,
        AuditEvent.Action.EMAIL_CHANGE,
        old_email=from_email_address.email,
        new_email=to_email_address.email,
    )
