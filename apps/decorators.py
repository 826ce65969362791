"""The checks every console view of an organization's apps starts with."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts import permissions
from accounts.selectors import get_for_organization

from .models import App


def role_of(request: HttpRequest) -> str | None:
    return request.membership.role if request.membership else None


def organization_required(action: str) -> Callable:
    """The view needs an organization and a role that may take `action`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.organization:
                return redirect("home")
            permissions.require(role_of(request), action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def app_required(action: str) -> Callable:
    """Load the app named by client_id for the current organization (404 for anyone else),
    then check the role (403), and pass the app to the view."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, client_id: str, *args, **kwargs) -> HttpResponse:
            app = get_for_organization(
                request, App.objects.select_related("organization"), client_id=client_id
            )
            permissions.require(role_of(request), action)
            # The top dropdown marks it (not current_app: the {% url %} tag reads that).
            request.console_app = app
            return view(request, app, *args, **kwargs)

        return wrapper

    return decorator
