"""The check every console view of one app starts with."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from accounts import permissions
from accounts.decorators import role_of
from accounts.selectors import get_for_organization

from .models import App


def app_required(action: str) -> Callable:
    """Load the app named by client_id for the current organization (404 for anyone else),
    then check the role (403), and pass the app to the view."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, client_id: str, *args, **kwargs) -> HttpResponse:
            app = get_for_organization(request, App.objects.all(), client_id=client_id)
            # The organization it was looked up in, already loaded: no join for it.
            app.organization = request.membership.organization
            permissions.require(role_of(request), action)
            # The top dropdown marks it (not current_app: the {% url %} tag reads that).
            request.console_app = app
            return view(request, app, *args, **kwargs)

        return wrapper

    return decorator
