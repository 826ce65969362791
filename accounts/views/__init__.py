from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..forms import ResendVerificationForm

RESEND_SENT = (
    "If an account with that email address is waiting for verification, we've sent it a new "
    "link. Open the email we've sent you and follow the link to verify your account."
)


@login_not_required
@require_http_methods(["GET", "POST"])
def resend_verification(request: HttpRequest) -> HttpResponse:
    """Send a new verification link; the answer never tells whether the account exists."""
    form = ResendVerificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        address = EmailAddress.objects.filter(email__iexact=email, verified=False).first()
        # One email per address every few minutes, the same limit as the log-in flow's.
        if address and ratelimit.consume(request, action="confirm_email", key=email):
            address.send_confirmation(request)
        messages.info(request, RESEND_SENT)
        return redirect("account_email_verification_sent")
    return render(request, "account/resend_verification.html", {"form": form})
