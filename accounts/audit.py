"""Where a request came from, for the audit log, without passing requests into services.

The middleware sets the origin (client IP and user agent) for the length of a request;
audit_record reads it. Services keep their keyword-only signatures, and calls from the shell,
the admin or a Celery task simply have no origin.
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


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def origin_of(request: HttpRequest) -> Origin:
    try:
        ip = get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # allauth's answer when no address can be trusted
        ip = None
    return Origin(ip=ip, user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def current_origin() -> Origin | None:
    return _origin.get()


@contextlib.contextmanager
def request_origin(request: HttpRequest):
    token = _origin.set(origin_of(request))
    try:
        yield
    finally:
        _origin.reset(token)
