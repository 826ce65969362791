"""The console's URLs plus two the token benchmark compares against; mounted only by bench/."""

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView

from console.urls import handler404, handler500  # noqa: F401 - the same error pages
from console.urls import urlpatterns as console_patterns


@csrf_exempt
@login_not_required
@transaction.non_atomic_requests
def floor(request: HttpRequest) -> JsonResponse:
    """The Django floor: the full middleware stack and a small JSON, no database.

    non_atomic_requests as on the token endpoint: ATOMIC_REQUESTS would otherwise open a
    transaction, and with it a connection health check, on every request.
    """
    return JsonResponse({"ok": True})


urlpatterns = [
    *console_patterns,
    path("bench/floor", floor, name="bench_floor"),
    # DOT's view is csrf-exempt and login_not_required already; it runs in ATOMIC_REQUESTS'
    # transaction like any view of this project, and writes one AccessToken row per request.
    path("bench/dot/token/", TokenView.as_view(), name="bench_dot_token"),
]
