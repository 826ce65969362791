from django.http import HttpRequest
from django.urls import reverse

from . import selectors
from .middleware import two_factor_next


def console(request: HttpRequest) -> dict:
    """What the console layout's top bar needs on every page."""
    organization = getattr(request, "organization", None)
    organizations = []
    if organization:  # the switcher's list: read with the current organization, no query more
        organizations = [m.organization for m in selectors.user_memberships(request)]
    return {"organization": organization, "organizations": organizations}


def two_factor_setup(request: HttpRequest) -> dict:
    """Where the two-factor setup's last page leads: the label of its Continue button, or ""
    when nobody was sent to the setup from another page."""
    user = getattr(request, "user", None)
    url = two_factor_next(request) if user and user.is_authenticated else ""
    if not url:
        return {"two_factor_continue": ""}
    admin = url.startswith(reverse("admin:index"))
    return {"two_factor_continue": "Continue to the admin" if admin else "Continue"}
