"""The public page an invitation email links to: join as a logged-in user, or sign up.

The URL carries the invitation's token. It is looked up by its hash only, never logged
(django.request logs at ERROR, so not the 404s and 410s here), never put in the audit log,
and the site-wide Referrer-Policy (strict-origin-when-cross-origin) keeps it from other sites.
"""

from allauth.account import app_settings as allauth_settings
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..forms import InvitationSignupForm
from ..models import Invitation, Membership, User

# An unknown link is Not Found; one that was used, cancelled or has expired is Gone.
GONE = 410


# Every variable the template reads, so that no lookup fails: Django's DEBUG record of a failed
# lookup prints the whole context, and the request in it, whose path is the token.
BLANK = {
    "problem": "",
    "refusal": "",
    "wrong_account": False,
    "has_account": False,
    "form": None,
    "invitation": None,
    "invitation_path": "",
}


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    return render(request, "account/invitation.html", {**BLANK, **context}, status=status)


def _joined(request: HttpRequest, membership: Membership) -> None:
    request.session[selectors.SESSION_KEY] = membership.organization_id
    messages.success(
        request,
        f"You joined {membership.organization.name} as {membership.get_role_display().lower()}.",
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=services.invitation_token_hash(token))
        .first()
    )
    problem = selectors.invitation_problem(invitation)
    if problem:
        return _page(request, {"problem": problem}, status=404 if invitation is None else GONE)
    user = request.user
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "invitation_path": request.path,
    }
    if user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(token=token, user=user)
            except ValidationError as error:
                context["wrong_account"] = error.code == "wrong_account"
                return _page(request, {**context, "refusal": " ".join(error.messages)}, 403)
            _joined(request, membership)
            return redirect("home")
        refusal = selectors.invitation_refusal(invitation=invitation, user=user)
        if refusal is None:
            return _page(request, context)
        context["wrong_account"] = refusal.code == "wrong_account"
        return _page(request, {**context, "refusal": " ".join(refusal.messages)}, 403)

    if User.objects.filter(email__iexact=invitation.email).exists():
        return _page(request, {**context, "has_account": True})
    form = InvitationSignupForm(
        request.POST if request.method == "POST" else None,
        initial={"email": invitation.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_signup(
                token=token, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            response = complete_signup(
                request,
                membership.user,
                allauth_settings.EMAIL_VERIFICATION,
                reverse("home"),
            )
            _joined(request, membership)
            return response
    return _page(request, {**context, "form": form}, 400 if form.errors else 200)
