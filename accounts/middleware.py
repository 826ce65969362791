from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from . import audit, selectors


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization (each None outside an organization).

    Both are lazy (one query, on first use); test their truth, not their identity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: selectors.current_membership(request))
        request.organization = SimpleLazyObject(
            lambda: request.membership.organization if request.membership else None
        )
        with audit.request_origin(request):
            return self.get_response(request)
