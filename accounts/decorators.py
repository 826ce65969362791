"""The checks every console view of an organization starts with."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import permissions


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
