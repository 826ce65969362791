from django.http import HttpRequest

from . import selectors


def console(request: HttpRequest) -> dict:
    """What the console layout's top bar needs on every page."""
    organization = getattr(request, "organization", None)
    organizations = []
    if organization:  # the switcher's list: read with the current organization, no query more
        organizations = [m.organization for m in selectors.user_memberships(request)]
    return {"organization": organization, "organizations": organizations}
