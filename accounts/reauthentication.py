"""The account password typed again before a sensitive action (a new client secret, deleting
the account): one check, with allauth's re-authentication rate limit and the audit log."""

from allauth.account.internal.flows.login import record_authentication
from allauth.core import ratelimit
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

WRONG_PASSWORD = "That isn't your Console account password."  # noqa: S105 - a message
TOO_MANY_PASSWORDS = "Too many wrong passwords. Wait a minute, then try again."


def password_again(request: HttpRequest, password: str) -> str:
    """ "" when `password` is the logged-in user's, else why not, for the password field.

    Wrong passwords count toward allauth's `reauthenticate` limit (past it even the right one
    waits) and are audited as failed log-ins; the right one is recorded as a
    re-authentication, as allauth's own page records it.
    """
    user = request.user
    if not ratelimit.consume(request, action="reauthenticate", user=user, dry_run=True):
        return TOO_MANY_PASSWORDS
    if not user.check_password(password):
        ratelimit.consume(request, action="reauthenticate", user=user)
        # Only the address goes with the signal (accounts.signals records it).
        user_login_failed.send(__name__, credentials={"email": user.email}, request=request)
        return WRONG_PASSWORD
    record_authentication(request, user, method="password", reauthenticated=True)
    return ""
