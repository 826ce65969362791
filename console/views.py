from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
