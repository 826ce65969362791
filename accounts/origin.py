"""Where a request came from, for the audit log, without passing requests into services.

The middleware makes the request's origin (client IP and user agent) available for the length
of the request, worked out on first use; audit_record reads it. Services keep their
keyword-only signatures, and calls from the shell, the admin or a Celery task have no origin.
"""

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


@dataclass(frozen=True)
class Origin:
    ip: str | None
    user_agent: str


_request: ContextVar[HttpRequest | None] = ContextVar("request_origin", default=None)


def origin_of(request: HttpRequest) -> Origin:
    try:
        ip = get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # allauth's answer when no address can be trusted
        ip = None
    return Origin(ip=ip, user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def current_origin() -> Origin | None:
    request = _request.get()
    if request is None:
        return None
    if not hasattr(request, "_audit_origin"):
        request._audit_origin = origin_of(request)
    return request._audit_origin


@contextlib.contextmanager
def request_origin(request: HttpRequest):
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)
