"""The checks every console view of an organization starts with."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

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


def post_only(landing: str | Callable[..., str]) -> Callable:
    """A view that only takes a form's POST; opening its URL (a reload, a shared link) lands
    on the page where the form lives instead of a bare 405: the URL name `landing`, or what
    `landing(request, *args, **kwargs)` returns (a page of the app the view is given, say)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                where = landing(request, *args, **kwargs) if callable(landing) else landing
                return redirect(where)
            return require_POST(view)(request, *args, **kwargs)

        return wrapper

    return decorator
