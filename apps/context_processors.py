from django.http import HttpRequest
from django.urls import reverse

from accounts import permissions

from . import selectors
from .models import App

# App pages whose twin in another app makes sense: the dropdown keeps you on the same tab.
SWITCHABLE = {
    ("apps", "detail"),
    ("apps", "settings"),
    ("apps", "api_client"),
    ("apps", "activity"),
    ("analytics", "app"),
}


def app_menu(request: HttpRequest) -> dict:
    """The top dropdown's apps, each linking to the page you are on, in the other app."""
    organization = getattr(request, "organization", None)
    if not organization:
        return {}
    match = getattr(request, "resolver_match", None)
    url_name = "apps:detail"
    if match and (match.namespace, match.url_name) in SWITCHABLE:
        url_name = f"{match.namespace}:{match.url_name}"
    current = getattr(request, "console_app", None)
    entries = []
    rows = getattr(request, "console_apps", None)
    for app in selectors.app_menu(organization=organization, apps=rows):
        url = reverse(url_name, kwargs={"client_id": app["client_id"]})
        entries.append(
            {
                **app,
                "type_label": App.Type(app["app_type"]).label,
                "url": url,
                "current": current and current.pk == app["pk"],
            }
        )
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None
    return {
        "console_apps": entries,
        "current_app": current,
        "can_create_app": permissions.allows(role, "app.create"),
    }
