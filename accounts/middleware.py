from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from . import audit, selectors


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization (each None outside an organization).

    Both are lazy and share one query; test their truth, not their identity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cache: dict = {}

        def membership():
            if "membership" not in cache:
                cache["membership"] = selectors.current_membership(request)
            return cache["membership"]

        request.membership = SimpleLazyObject(membership)
        request.organization = SimpleLazyObject(
            lambda: membership().organization if membership() else None
        )
        with audit.request_origin(request):
            return self.get_response(request)
