from django.http import HttpRequest
from django.urls import reverse

from . import selectors

# App pages whose twin in another app makes sense: the dropdown keeps you on the same tab.
SWITCHABLE = {"detail", "settings", "api_client", "activity"}


def app_menu(request: HttpRequest) -> dict:
    """The top dropdown's apps, each linking to the page you are on, in the other app."""
    organization = getattr(request, "organization", None)
    if not organization:
        return {}
    match = getattr(request, "resolver_match", None)
    url_name = "detail"
    if match and match.namespace == "apps" and match.url_name in SWITCHABLE:
        url_name = match.url_name
    current = getattr(request, "console_app", None)
    entries = []
    for app in selectors.app_menu(organization=organization):
        url = reverse(f"apps:{url_name}", kwargs={"client_id": app["client_id"]})
        entries.append({**app, "url": url, "current": current and current.pk == app["pk"]})
    return {"console_apps": entries, "current_app": current}
