"""The account password typed again before a sensitive action (a new client secret, deleting
the account): one check, with allauth's re-authentication rate limit and the audit log; and
where "Cancel" on allauth's "Confirm it's you" page goes."""

from urllib.parse import urlsplit

from allauth.account.internal.flows.login import record_authentication
from allauth.core import ratelimit
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

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


# allauth's pages that ask for the password again as soon as they are opened, each with the
# page a user opens it from. "Cancel" on "Confirm it's you" must not go back to one of them: it
# would only ask again.
ASKS_ON_OPENING = {
    "mfa_activate_totp": "mfa_index",
    "mfa_deactivate_totp": "mfa_index",
    "mfa_view_recovery_codes": "mfa_index",
    "mfa_generate_recovery_codes": "mfa_index",
    "mfa_download_recovery_codes": "mfa_index",
    "mfa_add_webauthn": "mfa_index",
    "mfa_edit_webauthn": "mfa_list_webauthn",
    "mfa_remove_webauthn": "mfa_list_webauthn",
}


def cancel_url(next_url: str | None) -> str:
    """Where "Cancel" on "Confirm it's you" goes: back to `next` when it is a path of this
    site (never another host, nor a scheme-relative //host), to the page that leads to it
    when `next` itself asks again, else to Settings."""
    settings_page = reverse("accounts:settings_index")
    if not next_url or not next_url.startswith("/"):
        return settings_page
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=set()):
        return settings_page
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return settings_page
    if match.view_name in ASKS_ON_OPENING:
        return reverse(ASKS_ON_OPENING[match.view_name])
    return next_url
