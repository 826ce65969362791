"""Account settings: one page for the account's email, password, two-factor log-in, sessions
and deletion.

Email, password, two-factor log-in and sessions are allauth's own pages (/accounts/email/,
/accounts/password/change/, /accounts/2fa/, /accounts/sessions/), restyled by the templates
under templates/account, templates/mfa and templates/usersessions; this page sums them up and
links to them. Deleting the account is the Console's own: accounts.services.account_delete.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from .. import selectors, services
from ..decorators import post_only
from ..forms import AccountDeleteForm
from ..reauthentication import password_again


def _two_factor(user) -> dict:
    kinds = {}
    for authenticator in Authenticator.objects.filter(user=user):
        kinds.setdefault(authenticator.type, []).append(authenticator)
    recovery = kinds.get(Authenticator.Type.RECOVERY_CODES)
    return {
        "totp": Authenticator.Type.TOTP in kinds,
        "security_keys": len(kinds.get(Authenticator.Type.WEBAUTHN, [])),
        "recovery_codes_left": len(recovery[0].wrap().get_unused_codes()) if recovery else None,
    }


def _settings_page(request: HttpRequest, *, status: int = 200, delete_form=None) -> HttpResponse:
    user = request.user
    context = {
        "nav_section": "settings",
        "current_email": EmailAddress.objects.get_verified(user),
        "new_email": EmailAddress.objects.get_new(user),
        "two_factor": _two_factor(user),
        "session_count": len(UserSession.objects.purge_and_list(user)),
        "alone_in": selectors.organizations_alone_in(user),
        "delete_problem": selectors.account_delete_problem(user=user),
        "delete_form": delete_form or AccountDeleteForm(auto_id="delete-%s"),
    }
    return render(request, "settings/index.html", context, status=status)


@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@sensitive_post_parameters("password")
@post_only("accounts:settings_index")  # a reload or a shared link: the form lives on the page
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the account after the password is typed again; the last owner of a team is
    refused (accounts.selectors.account_delete_problem). Logs out and lands on the log-in page."""
    user = request.user
    form = AccountDeleteForm(request.POST, auto_id="delete-%s")
    if form.is_valid():
        refused = password_again(request, form.cleaned_data["password"])
        if refused:
            form.add_error("password", refused)
        else:
            email = user.email
            try:
                services.account_delete(user=user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                logout(request)
                messages.success(request, f"Your account {email} was deleted.")
                return redirect("account_login")
    return _settings_page(request, status=400, delete_form=form)
