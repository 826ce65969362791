from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

SECTIONS = {
    "team": ("Team", "Invite colleagues and give them roles."),
    "settings": ("Settings", "Manage your account, password and two-factor log-in."),
}


def coming_soon(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    title, summary = SECTIONS[section]
    return render(
        request,
        "console/coming_soon.html",
        {"nav_section": section, "title": title, "summary": summary},
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponse(loader.render_to_string("404.html", request=request), status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever broke may be in a context processor.
    return HttpResponse(loader.render_to_string("500.html"), status=500)
