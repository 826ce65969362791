from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from . import selectors


class CurrentOrganizationMiddleware:
    """Sets request.organization: the organization the user is working in, or None."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = SimpleLazyObject(lambda: selectors.current_organization(request))
        return self.get_response(request)
