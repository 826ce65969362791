from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


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
