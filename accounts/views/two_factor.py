"""The end of the two-factor setup: back to the page its owner was sent away from
(accounts.middleware.TwoFactorRequiredMiddleware keeps it in the session)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ..middleware import TWO_FACTOR_NEXT, two_factor_next


@require_GET
def two_factor_continue(request: HttpRequest) -> HttpResponse:
    # Used once: a later visit to the setup pages ends on the setup overview again.
    url = two_factor_next(request)
    request.session.pop(TWO_FACTOR_NEXT, None)
    return redirect(url or "mfa_index")
