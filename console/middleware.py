from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from api import usage

from .views import page_not_found


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, minus the cost of building a policy for an exempt response.

    django-csp 4 builds both policies for every response before it looks at the exemption;
    the API's JSON answers (api.views) carry a constant policy of their own and are exempt,
    and the token endpoint is hot enough for that to show.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(response, "_csp_exempt", False) and not getattr(
            settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None
        ):
            return response
        return super().process_response(request, response)


class DebugNotFoundMiddleware:
    """Under `make run` (DEBUG on) Django answers an unknown URL with its technical 404 page,
    which lists every URL pattern; a user trying the console should meet the Console's own
    404, as in production. Tracebacks of 500s stay (they are what DEBUG is for)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and _is_technical_404(response):
            return page_not_found(request, None)
        return response


def _is_technical_404(response: HttpResponseBase) -> bool:
    # django.views.debug.technical_404_response's page, the only 404 that names its reason
    # in a <pre class="exception_value"> after "Page not found at".
    content = getattr(response, "content", b"")[:2000]
    return b"<title>Page not found at" in content


class UsageFlushMiddleware:
    """Without Redis each process buffers its token counts (api.usage.UsageBuffer). A console
    page writes this process's first, so that Analytics, a secret's "Last used" and the admin
    show them at once (other processes' within CONSOLE_USAGE_FLUSH_SECONDS). It runs before
    the view and outside its transaction, which could otherwise take the counts with it in a
    rollback. The Tink API's own endpoints (api.views.api_endpoint) skip it: not writing on
    each token request is what the buffer is for."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if not getattr(view_func, "tink_api", False):
            usage.flush()
