from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.decorators import role_of
from kyb import gate


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The apps and the road to production, where a user lands after logging in. Here, in the
    layer that wires the apps together, because it shows both."""
    if not request.organization:  # left, removed, or the organization was deleted
        return render(request, "team/no_organization.html", {"nav_section": "home"})
    return render(
        request,
        "console/home.html",
        {
            "nav_section": "home",
            "go_live": gate.go_live(request.organization),
            "can_take_steps": permissions.allows(role_of(request), "production_access.request"),
        },
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponse(loader.render_to_string("404.html", request=request), status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever broke may be in a context processor.
    return HttpResponse(loader.render_to_string("500.html"), status=500)


OUT_OF_RANGE = "No row has that id: it isn't one the database can hold."


def out_of_range_ids_refused(view):
    """An admin view answers an id its column can't hold (a changelist filter or an action's
    selection beyond 64 bits, which SQLite refuses with OverflowError; a malformed UUID) with a
    message instead of a 500. The admin is Django's and allauth's: this wraps every one of
    its views at once."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (OverflowError, ValidationError):
            messages.error(request, OUT_OF_RANGE)
            return redirect(request.path)

    return wrapper
