"""Subclasses of allauth's forms (ACCOUNT_FORMS).

Apart from forms.py because allauth.account.forms imports ACCOUNT_SIGNUP_FORM_CLASS from
forms.py at import time: importing allauth's forms there would be a cycle.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import encrypt


class LoginForm(AllauthLoginForm):
    """allauth's log-in form in the Console's words; the reset link sits under the form."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me"


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's set-up form, whose confirming code is then spent: allauth checks it without
    marking it used, so it would log in once more while still current."""

    def clean_code(self) -> str:
        code = super().clean_code()
        # validate_code marks the code used, for this user, until it can no longer be current.
        pending = Authenticator(
            user=self.user, type=Authenticator.Type.TOTP, data={"secret": encrypt(self.secret)}
        )
        TOTP(pending).validate_code(code)
        return code
