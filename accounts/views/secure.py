"""The "Secure your account" link of a security notice (accounts.secure_links).

Following the link shows what it will do; only the button acts, so a mail client's link
preview changes nothing. The page is open to anyone holding the link: its owner may be locked
out of the account by then.
"""

from allauth.account.forms import ResetPasswordForm
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..secure_links import secure_link_read

SECURE_LINK_INVALID = (
    "This link isn't valid or has expired (links work for 7 days). If you think someone else "
    "is using your account, reset your password from the Log in page."
)


@login_not_required
@require_http_methods(["GET", "POST"])
def account_secure(request: HttpRequest, token: str) -> HttpResponse:
    link = secure_link_read(token)
    problem = "" if link else SECURE_LINK_INVALID
    if link and request.method == "POST":
        try:
            user = services.account_secure(link=link)
        except ValidationError as error:
            problem = error.messages[0]
        else:
            if request.user.is_authenticated and request.user.pk == user.pk:
                logout(request)
            reset = ResetPasswordForm(data={"email": user.email})
            if reset.is_valid():
                reset.save(request)
            request.session["account_secured_email"] = user.email
            return redirect("accounts:account_secure_done")
    context = {"link": link, "problem": problem}
    return render(request, "account/secure.html", context, status=400 if problem else 200)


@login_not_required
@require_GET
def account_secure_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get("account_secured_email", "")
    return render(request, "account/secure_done.html", {"email": email})
