from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from . import origin, selectors

# What counts as two-factor log-in: the factors allauth asks for at log-in. Recovery codes
# alone are only a fallback for these.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
STAFF_NEED_TWO_FACTOR = "Staff need two-factor log-in to use the admin. Set it up to continue."
# The page someone was sent away from to set up two-factor log-in: the setup's last page
# leads back to it (accounts.views.two_factor).
TWO_FACTOR_NEXT = "two_factor_next"


def two_factor_next(request: HttpRequest) -> str:
    """The page to go back to after the two-factor setup, or "": only a path of this site."""
    url = request.session.get(TWO_FACTOR_NEXT, "")
    # A path, never a URL with a host: "//evil.example", "/\\evil.example" and "https://…"
    # are all refused (no host is allowed, so only a path passes).
    relative = isinstance(url, str) and url.startswith("/")
    return url if relative and url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization (each None outside an organization).

    Both are lazy (one query, on first use); test their truth, not their identity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: selectors.current_membership(request))
        request.organization = SimpleLazyObject(
            lambda: request.membership.organization if request.membership else None
        )
        with origin.request_origin(request):
            return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Sends whoever must have two-factor log-in and hasn't set it up to its setup page.

    Two rules: an organization whose owner requires it (Organization.require_two_factor)
    holds its members to it, in whichever organization is current; and staff need it for the
    admin. Until then every page redirects to the setup, except what setting it up takes
    (allauth's two-factor pages, re-authentication, the email page, since a pending email
    change blocks the setup until it is verified or cancelled), logging out, static files,
    the API (its clients hold no session) and invitation links.

    The page asked for is kept in the session (allauth's setup pages carry no `next`), so
    the setup ends where the person was going: staff land back in the admin page they asked for.
    """

    EXEMPT_PREFIXES = ("/api/", "/invitations/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            reverse("account_email"),
            reverse("account_email_verification_sent"),  # and the confirm-email links below it
            settings.STATIC_URL,  # Django gives it its leading slash
            *self.EXEMPT_PREFIXES,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        # The path first: an API call never loads a session or a user here.
        if path.startswith(self.exempt_prefixes) or not request.user.is_authenticated:
            return self.get_response(request)
        for_admin = request.user.is_staff and path.startswith(reverse("admin:index"))
        organization = request.organization
        required = for_admin or (organization and organization.require_two_factor)
        if required and not is_mfa_enabled(request.user, SECOND_FACTORS):
            # The setup page itself says when the organization requires it.
            if for_admin:
                messages.warning(request, STAFF_NEED_TWO_FACTOR)
            if request.method == "GET":  # a page, never a form's POST to replay
                request.session[TWO_FACTOR_NEXT] = request.get_full_path()
            return redirect("mfa_index")
        return self.get_response(request)
